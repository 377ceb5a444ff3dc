import { open, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '../errors.js';
import { RESERVED_NAME_PREFIX } from '../keys.js';

/** How long to wait for a lock, and when a lock left by a crashed process is broken. */
export interface LockTiming {
  /** Give up waiting for a key's lock after this many milliseconds (default 10 s). */
  lockTimeoutMs: number;
  /** Break a lock file older than this many milliseconds (default 30 s; locks are held for one rename). */
  staleLockMs: number;
}

function lockPathFor(path: string): string {
  return join(dirname(path), `${RESERVED_NAME_PREFIX}lock-${basename(path)}`);
}

async function acquire(lockPath: string, key: string, timing: LockTiming): Promise<void> {
  const deadline = Date.now() + timing.lockTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await (await open(lockPath, 'wx')).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await stat(lockPath).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > timing.staleLockMs) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StorageError('StorageFailure', `timed out after ${timing.lockTimeoutMs} ms waiting for the lock of ${key}`, { key });
    }
    await sleep(Math.random() * Math.min(100, 2 ** attempt));
  }
}

/**
 * Runs `action` while holding the lock files of the given paths (an exclusively created sibling file per path,
 * taken in sorted order so two callers cannot deadlock). Every write to a key takes its lock, which makes
 * check-then-rename atomic for conditional writes.
 */
export async function withKeyLocks<T>(
  entries: readonly { path: string; key: string }[],
  timing: LockTiming,
  action: () => Promise<T>,
): Promise<T> {
  const locks = [...new Map(entries.map(({ path, key }) => [lockPathFor(path), key])).entries()].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const taken: string[] = [];
  try {
    for (const [lockPath, key] of locks) {
      await acquire(lockPath, key, timing);
      taken.push(lockPath);
    }
    return await action();
  } finally {
    await Promise.all(taken.map((lockPath) => unlink(lockPath).catch(() => undefined)));
  }
}
