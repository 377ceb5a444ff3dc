import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory and its removal. */
export interface TempDir {
  path: string;
  remove(): void;
}

/** A fresh temporary directory, created now. */
export function tempDir(prefix = 'gitmirror-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A unique temporary directory path for a suite, created by the first repository made under it: a suite whose tests
 * are all skipped or filtered out runs no hook, and then leaves nothing behind.
 */
export function suiteDir(prefix = 'gitmirror-'): TempDir {
  const path = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
