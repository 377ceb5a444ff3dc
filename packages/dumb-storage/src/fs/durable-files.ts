import { randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { RESERVED_NAME_PREFIX } from '../keys.js';

const TEMPORARY_PREFIX = `${RESERVED_NAME_PREFIX}tmp-`;

/** A fresh temporary file name in `directory`, hidden from `list` by the reserved prefix. */
export function temporaryPath(directory: string): string {
  return join(directory, `${TEMPORARY_PREFIX}${randomUUID()}`);
}

/** Whether a file name is one {@link temporaryPath} makes. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith(TEMPORARY_PREFIX);
}

/** The etag of a file version: inode, modification time (ns) and size, which a rename preserves. */
export function fileEtag(stats: BigIntStats): string {
  return `"${stats.ino.toString(36)}-${stats.mtimeNs.toString(36)}-${stats.size.toString(36)}"`;
}

/** Writes all of `chunk` at the handle's current position (a single write may be short). */
export async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let written = 0;
  while (written < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
    written += bytesWritten;
  }
}

/** Flushes a directory's entries (a rename or unlink in it) to disk; a no-op where directories cannot be synced. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EBADF') throw error;
  } finally {
    await handle.close();
  }
}

/** Removes a file, ignoring that it may already be gone (cleanup after a failure). */
export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
