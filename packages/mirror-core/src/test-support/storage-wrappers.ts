import type { Body, PutOptions, Storage } from '@gitmirror/dumb-storage';

/** The operations of a {@link Storage} that change it. */
export type WriteOperation = 'put' | 'copy' | 'move' | 'delete';

/**
 * Wraps a storage, recording every write (`put`, `copy`, `move`, `delete`) with its key, and failing the
 * `failAt`-th write (1-based) with an injected error, as a flaky sink would.
 */
export class RecordingStorage implements Storage {
  readonly writes: { operation: WriteOperation; key: string }[] = [];
  failAt?: number;
  /** Runs before each write goes through (e.g. to let a concurrent writer in). */
  beforeWrite?: (operation: WriteOperation, key: string) => Promise<void>;

  constructor(readonly inner: Storage) {}

  get url(): string {
    return this.inner.url;
  }

  async #write(operation: WriteOperation, key: string): Promise<void> {
    this.writes.push({ operation, key });
    if (this.writes.length === this.failAt) throw new Error(`injected failure at write ${this.failAt} (${operation} ${key})`);
    await this.beforeWrite?.(operation, key);
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<{ etag: string }> {
    await this.#write('put', key);
    return this.inner.put(key, body, options);
  }

  async copy(from: string, to: string): Promise<void> {
    await this.#write('copy', to);
    return this.inner.copy(from, to);
  }

  async move(from: string, to: string): Promise<void> {
    await this.#write('move', to);
    return this.inner.move(from, to);
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.#write('delete', keys.join(','));
    return this.inner.delete(keys);
  }

  get: Storage['get'] = (key, options) => this.inner.get(key, options);
  getRange: Storage['getRange'] = (key, offset, length, options) => this.inner.getRange(key, offset, length, options);
  head: Storage['head'] = (key) => this.inner.head(key);
  list: Storage['list'] = (prefix) => this.inner.list(prefix);
}
