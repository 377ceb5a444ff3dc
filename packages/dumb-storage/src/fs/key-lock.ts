import { hostname } from 'node:os';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../errors.js';
import { RESERVED_NAME_PREFIX } from '../keys.js';

/** How long to wait for a lock, and when a lock left by a crashed process is broken. */
export interface LockTiming {
  /** Give up waiting for a key's lock after this many milliseconds (default 10 s). */
  lockTimeoutMs: number;
  /**
   * Break a lock file older than this many milliseconds (default 30 s; locks are held for one rename). A lock whose
   * owner was a process of this host that no longer runs is broken at once.
   */
  staleLockMs: number;
}

/** Who holds a lock, as written into the lock file. */
interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO 8601 time the lock was taken. */
  time: string;
}

function lockPathFor(path: string): string {
  return join(dirname(path), `${RESERVED_NAME_PREFIX}lock-${basename(path)}`);
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string' && typeof owner.time === 'string') return owner as LockOwner;
  } catch {
    // An empty file (its owner is between creating and writing it, or an older version made it) or not JSON.
  }
  return undefined;
}

/** Whether a process of this host with this pid runs (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeOwner(owner: LockOwner | undefined): string {
  return owner ? `process ${owner.pid} on ${owner.hostname} (since ${owner.time})` : 'an unknown process';
}

async function acquire(lockPath: string, key: string, timing: LockTiming): Promise<void> {
  const deadline = Date.now() + timing.lockTimeoutMs;
  const host = hostname();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        const owner: LockOwner = { pid: process.pid, hostname: host, time: new Date().toISOString() };
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await stat(lockPath).catch(() => undefined);
    if (!held) continue;
    const owner = await readOwner(lockPath);
    const age = Date.now() - held.mtimeMs;
    const ownerGone = owner !== undefined && owner.hostname === host && owner.pid !== process.pid && !isRunning(owner.pid);
    if (ownerGone || age > timing.staleLockMs) {
      // Only unlink the lock examined: another waiter may have broken it and taken a fresh one meanwhile.
      const now = await stat(lockPath).catch(() => undefined);
      if (now?.ino === held.ino) await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new LockedError(
        `timed out after ${timing.lockTimeoutMs} ms waiting for the lock of ${key}: ${lockPath} is held by ${describeOwner(owner)}, ` +
          `${Math.round(age / 1000)} s old; it is broken once older than ${Math.round(timing.staleLockMs / 1000)} s, ` +
          `or delete it if no sync writes to this folder`,
        { key },
      );
    }
    await sleep(Math.random() * Math.min(100, 2 ** attempt));
  }
}

/**
 * Runs `action` while holding the lock files of the given paths (an exclusively created sibling file per path,
 * holding its owner's pid, host name and time, taken in sorted order so two callers cannot deadlock). Every write
 * to a key takes its lock, which makes check-then-rename atomic for conditional writes.
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
