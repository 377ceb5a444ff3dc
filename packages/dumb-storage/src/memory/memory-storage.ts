import { bodyChunks } from '../body.js';
import { contentTypeForKey } from '../content-type.js';
import { NotFoundError, PreconditionFailedError } from '../errors.js';
import { validateKey, validatePrefix } from '../keys.js';
import { checkRangeArguments, checkRangeInside } from '../range.js';
import type { Body, GetResult, ObjectInfo, PutOptions, Storage } from '../storage.js';

interface StoredObject {
  bytes: Uint8Array;
  etag: string;
  contentType: string;
  lastModified: Date;
}

let generation = 0;

function info(key: string, object: StoredObject): ObjectInfo {
  return { key, size: object.bytes.byteLength, etag: object.etag, contentType: object.contentType, lastModified: object.lastModified };
}

/**
 * A {@link Storage} held in memory, with the same semantics as the S3 and filesystem sinks (conditional writes,
 * ranged reads, errors, an etag that changes on every write). For tests of code that writes mirrors.
 */
export class MemoryStorage implements Storage {
  readonly url: string;
  readonly #objects = new Map<string, StoredObject>();

  constructor(name = 'memory') {
    this.url = `memory:${name}`;
  }

  #get(key: string): StoredObject {
    const object = this.#objects.get(validateKey(key));
    if (!object) throw new NotFoundError(`${key} not found in ${this.url}`, { key });
    return object;
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<{ etag: string }> {
    validateKey(key);
    const { signal } = options;
    signal?.throwIfAborted();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of bodyChunks(body)) {
      signal?.throwIfAborted();
      chunks.push(chunk.slice());
      size += chunk.byteLength;
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const current = this.#objects.get(key);
    if (options.ifNoneMatch === '*' && current) {
      throw new PreconditionFailedError(`${key} already exists in ${this.url}`, { key });
    }
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
      throw new PreconditionFailedError(`${key} is not at version ${options.ifMatch} in ${this.url}`, { key });
    }
    const etag = `"memory-${++generation}"`;
    this.#objects.set(key, { bytes, etag, contentType: options.contentType ?? contentTypeForKey(key), lastModified: new Date() });
    return { etag };
  }

  async get(key: string): Promise<GetResult> {
    const object = this.#get(key);
    return {
      etag: object.etag,
      size: object.bytes.byteLength,
      body: (async function* () {
        yield object.bytes.slice();
      })(),
    };
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRangeArguments(key, offset, length);
    const object = this.#get(key);
    checkRangeInside(key, offset, length, object.bytes.byteLength);
    return object.bytes.slice(offset, offset + length);
  }

  async head(key: string): Promise<ObjectInfo> {
    return info(key, this.#get(key));
  }

  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    validatePrefix(prefix);
    const keys = [...this.#objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    for (const key of keys) {
      const object = this.#objects.get(key);
      if (object) yield info(key, object);
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) validateKey(key);
    for (const key of keys) this.#objects.delete(key);
  }

  async copy(from: string, to: string): Promise<void> {
    const object = this.#get(from);
    validateKey(to);
    this.#objects.set(to, { ...object, etag: `"memory-${++generation}"`, lastModified: new Date() });
  }

  async move(from: string, to: string): Promise<void> {
    await this.copy(from, to);
    if (from !== to) this.#objects.delete(from);
  }
}

/** Creates an empty {@link MemoryStorage}; `name` only appears in its `url`. */
export function createMemoryStorage(name?: string): MemoryStorage {
  return new MemoryStorage(name);
}
