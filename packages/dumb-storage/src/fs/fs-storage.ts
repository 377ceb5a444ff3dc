import { constants, type Dirent } from 'node:fs';
import { copyFile, mkdir, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidKeyError, NotFoundError, PreconditionFailedError } from '../errors.js';
import { RESERVED_NAME_PREFIX, validateKey, validatePrefix } from '../keys.js';
import { checkRangeArguments, checkRangeInside } from '../range.js';
import type { Body, GetResult, IncompleteUpload, ObjectInfo, PutOptions, ReadOptions, Storage } from '../storage.js';
import { CoalescingWriter, DEFAULT_WRITE_BUFFER_SIZE } from './coalescing-writer.js';
import { fileEtag, isTemporaryName, removeQuietly, syncDirectory, temporaryPath, writeFully } from './durable-files.js';
import { fsError, isMissing } from './fs-errors.js';
import { withKeyLocks, type LockTiming } from './key-lock.js';

/** Options of {@link createFsStorage}. */
export interface FsStorageOptions extends Partial<LockTiming> {
  /** Bytes per read when streaming an object with `get` (default 256 KiB). */
  readChunkSize?: number;
  /**
   * Bytes a streamed `put` gathers before each write (default 1 MiB): one buffer per put in progress, so smaller
   * chunks do not cost an fs call each. A chunk at least this large, or a body given as bytes, is written as it is.
   */
  writeBufferSize?: number;
}

const deleteConcurrency = 16;

/**
 * A {@link Storage} in a local folder, one file per key. Writes go to a temporary file in the key's folder, are
 * fsynced and renamed into place (then the folder is fsynced), so a crash never leaves a half-written file under a
 * real key. Conditional writes and deletes hold a per-key lock file around the check and the rename.
 *
 * Etags are built from inode, modification time and size: cheap, and different for every write that replaces a
 * file (the new inode exists before the old one is freed). Content types are not stored.
 * Temporary and lock files start with `.gitmirror-` and are hidden from `list`; empty folders are kept; the temporary
 * files a killed writer left are found by `listIncompleteUploads`. A key that resolves through a symbolic link to
 * outside the root is refused with `InvalidKeyError`.
 */
export class FsStorage implements Storage {
  /** The absolute root folder. */
  readonly root: string;
  readonly url: string;
  readonly #timing: LockTiming;
  readonly #readChunkSize: number;
  readonly #writeBufferSize: number;

  constructor(root: string, options: FsStorageOptions = {}) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.#timing = { lockTimeoutMs: options.lockTimeoutMs ?? 10_000, staleLockMs: options.staleLockMs ?? 30_000 };
    this.#readChunkSize = options.readChunkSize ?? 256 * 1024;
    this.#writeBufferSize = Math.max(1, options.writeBufferSize ?? DEFAULT_WRITE_BUFFER_SIZE);
  }

  /** The path of `key`, checked not to lead out of the root through a symbolic link. */
  async #path(key: string): Promise<string> {
    const path = join(this.root, ...validateKey(key).split('/'));
    await this.#checkInside(path, key);
    return path;
  }

  /**
   * Refuses a path whose nearest existing ancestor (or itself) resolves outside the root's real path: the only way
   * there from a valid key is a symbolic link. Nothing to check while the root does not exist.
   */
  async #checkInside(path: string, key: string): Promise<void> {
    for (let at = path; at === this.root || at.startsWith(this.root + sep); at = dirname(at)) {
      let real: string;
      try {
        real = await realpath(at);
      } catch (error) {
        if (isMissing(error)) continue;
        throw fsError(error, 'resolve', key, this.url);
      }
      const realRoot = await realpath(this.root);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        throw new InvalidKeyError(`${key} resolves through a symbolic link to outside ${this.url}`, { key });
      }
      return;
    }
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<{ etag: string }> {
    const path = await this.#path(key);
    const { signal } = options;
    signal?.throwIfAborted();
    const directory = dirname(path);
    const temporary = temporaryPath(directory);
    try {
      await mkdir(directory, { recursive: true });
      const handle = await open(temporary, 'wx');
      let etag: string;
      try {
        if (body instanceof Uint8Array) await writeFully(handle, body);
        else {
          const writer = new CoalescingWriter(handle, this.#writeBufferSize);
          for await (const chunk of body) {
            signal?.throwIfAborted();
            await writer.write(chunk);
          }
          await writer.flush();
        }
        signal?.throwIfAborted();
        await handle.sync();
        etag = fileEtag(await handle.stat({ bigint: true }));
      } finally {
        await handle.close();
      }
      await withKeyLocks([{ path, key }], this.#timing, async () => {
        if (options.ifNoneMatch === '*' || options.ifMatch !== undefined) await this.#checkPrecondition(path, key, options);
        await rename(temporary, path);
      });
      await syncDirectory(directory);
      return { etag };
    } catch (error) {
      await removeQuietly(temporary);
      throw fsError(error, 'put', key, this.url);
    }
  }

  async #checkPrecondition(path: string, key: string, options: PutOptions): Promise<void> {
    const current = await stat(path, { bigint: true }).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (options.ifNoneMatch === '*' && current) {
      throw new PreconditionFailedError(`${key} already exists in ${this.url}`, { key });
    }
    if (options.ifMatch !== undefined && (!current || fileEtag(current) !== options.ifMatch)) {
      throw new PreconditionFailedError(`${key} is not at version ${options.ifMatch} in ${this.url}`, { key });
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<GetResult> {
    const path = await this.#path(key);
    try {
      options.signal?.throwIfAborted();
      const handle = await open(path, 'r');
      try {
        const stats = await handle.stat({ bigint: true });
        if (!stats.isFile()) throw new NotFoundError(`${key} is not an object in ${this.url}`, { key });
        const stream = handle.createReadStream({ highWaterMark: this.#readChunkSize, signal: options.signal });
        return { body: stream, etag: fileEtag(stats), size: Number(stats.size) };
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      throw fsError(error, 'get', key, this.url);
    }
  }

  async getRange(key: string, offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    checkRangeArguments(key, offset, length);
    const path = await this.#path(key);
    try {
      options.signal?.throwIfAborted();
      const handle = await open(path, 'r');
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw new NotFoundError(`${key} is not an object in ${this.url}`, { key });
        checkRangeInside(key, offset, length, stats.size);
        const bytes = Buffer.allocUnsafeSlow(length);
        for (let filled = 0; filled < length; ) {
          const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
          if (bytesRead === 0) checkRangeInside(key, offset, length, offset + filled);
          filled += bytesRead;
        }
        return bytes;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw fsError(error, 'getRange', key, this.url);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const path = await this.#path(key);
    try {
      const stats = await stat(path, { bigint: true });
      if (!stats.isFile()) throw new NotFoundError(`${key} is not an object in ${this.url}`, { key });
      return { key, size: Number(stats.size), etag: fileEtag(stats), lastModified: stats.mtime };
    } catch (error) {
      throw fsError(error, 'head', key, this.url);
    }
  }

  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    const { folderKey, namePrefix } = await this.#walkStart(prefix);
    yield* this.#walk(folderKey, namePrefix);
  }

  /** Where a walk of `prefix` starts: the folder it names (checked to stay inside the root) and the name prefix in it. */
  async #walkStart(prefix: string): Promise<{ folderKey: string; namePrefix: string }> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const folderKey = prefix.slice(0, slash + 1);
    if (folderKey !== '') await this.#path(folderKey.slice(0, -1));
    return { folderKey, namePrefix: prefix.slice(slash + 1) };
  }

  /** The entries of the folder `folderKey` (ending in `/`, or empty for the root); none if it does not exist. */
  async #readFolder(folderKey: string, operation: string): Promise<{ folder: string; entries: Dirent[] }> {
    const folder = join(this.root, ...folderKey.split('/').filter(Boolean));
    try {
      return { folder, entries: await readdir(folder, { withFileTypes: true }) };
    } catch (error) {
      if (isMissing(error)) return { folder, entries: [] };
      throw fsError(error, operation, folderKey, this.url);
    }
  }

  async *#walk(folderKey: string, namePrefix: string): AsyncGenerator<ObjectInfo> {
    const { folder, entries } = await this.#readFolder(folderKey, 'list');
    const visible = entries
      .filter((entry) => entry.name.startsWith(namePrefix) && !entry.name.startsWith(RESERVED_NAME_PREFIX))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({ entry, order: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    for (const { entry } of visible) {
      const key = folderKey + entry.name;
      if (entry.isDirectory()) {
        yield* this.#walk(`${key}/`, '');
        continue;
      }
      const stats = await stat(join(folder, entry.name), { bigint: true }).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw fsError(error, 'list', key, this.url);
      });
      if (stats?.isFile()) yield { key, size: Number(stats.size), etag: fileEtag(stats), lastModified: stats.mtime };
    }
  }

  /** The `.gitmirror-tmp-*` files under `prefix` (a folder prefix): what writers killed mid-write left behind. */
  async *listIncompleteUploads(prefix: string): AsyncGenerator<IncompleteUpload> {
    const { folderKey, namePrefix } = await this.#walkStart(prefix);
    yield* this.#walkTemporary(folderKey, namePrefix);
  }

  async *#walkTemporary(folderKey: string, namePrefix: string): AsyncGenerator<IncompleteUpload> {
    const { folder, entries } = await this.#readFolder(folderKey, 'listIncompleteUploads');
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.isDirectory() && entry.name.startsWith(namePrefix) && !entry.name.startsWith(RESERVED_NAME_PREFIX)) {
        yield* this.#walkTemporary(`${folderKey}${entry.name}/`, '');
      } else if (entry.isFile() && isTemporaryName(entry.name)) {
        const stats = await stat(join(folder, entry.name)).catch(() => undefined);
        if (stats) yield { kind: 'temporary-file', key: folderKey + entry.name, lastActivity: stats.mtime };
      }
    }
  }

  async abortIncompleteUploads(prefix: string, olderThan: Date): Promise<IncompleteUpload[]> {
    const aborted: IncompleteUpload[] = [];
    for await (const upload of this.listIncompleteUploads(prefix)) {
      if (upload.lastActivity >= olderThan) continue;
      await removeQuietly(join(this.root, ...upload.key.split('/')));
      aborted.push(upload);
    }
    return aborted;
  }

  async delete(keys: readonly string[]): Promise<void> {
    const entries = await Promise.all(keys.map(async (key) => ({ key, path: await this.#path(key) })));
    const directories = new Set<string>();
    const deleteOne = async ({ key, path }: { key: string; path: string }) => {
      try {
        await withKeyLocks([{ path, key }], this.#timing, () => unlink(path));
        directories.add(dirname(path));
      } catch (error) {
        if (!isMissing(error)) throw fsError(error, 'delete', key, this.url);
      }
    };
    for (let start = 0; start < entries.length; start += deleteConcurrency) {
      await Promise.all(entries.slice(start, start + deleteConcurrency).map(deleteOne));
    }
    await Promise.all([...directories].map(syncDirectory));
  }

  async copy(from: string, to: string): Promise<void> {
    const source = await this.#path(from);
    const target = await this.#path(to);
    const directory = dirname(target);
    const temporary = temporaryPath(directory);
    try {
      await mkdir(directory, { recursive: true });
      await copyFile(source, temporary, constants.COPYFILE_FICLONE).catch((error: unknown) => {
        throw fsError(error, 'copy', from, this.url);
      });
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await withKeyLocks([{ path: target, key: to }], this.#timing, () => rename(temporary, target));
      await syncDirectory(directory);
    } catch (error) {
      await removeQuietly(temporary);
      throw fsError(error, 'copy', to, this.url);
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = await this.#path(from);
    const target = await this.#path(to);
    try {
      await mkdir(dirname(target), { recursive: true });
      await withKeyLocks(
        [
          { path: source, key: from },
          { path: target, key: to },
        ],
        this.#timing,
        async () => {
          const stats = await stat(source).catch((error: unknown) => {
            throw fsError(error, 'move', from, this.url);
          });
          if (!stats.isFile()) throw new NotFoundError(`${from} is not an object in ${this.url}`, { key: from });
          await rename(source, target);
        },
      );
      await Promise.all([...new Set([dirname(source), dirname(target)])].map(syncDirectory));
    } catch (error) {
      throw fsError(error, 'move', to, this.url);
    }
  }
}

/** Creates a {@link FsStorage} rooted at `root` (created on first write). */
export function createFsStorage(root: string, options?: FsStorageOptions): FsStorage {
  return new FsStorage(root, options);
}
