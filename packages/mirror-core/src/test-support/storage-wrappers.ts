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

/** What a {@link KilledAfterWrites} storage throws once "killed". */
export class Killed extends Error {
  override name = 'Killed';
}

/** Whether the sync failed because it was "killed" (the sinks wrap the error their client raised). */
export function wasKilled(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) if (cause instanceof Killed) return true;
  return false;
}

/**
 * A storage that behaves like a process killed after its `killAfter`-th completed write: from then on nothing
 * reaches the inner storage, not even the cleanup a failing sync would do.
 */
export class KilledAfterWrites implements Storage {
  writes = 0;
  dead = false;

  constructor(
    readonly inner: Storage,
    readonly killAfter: number,
  ) {}

  get url(): string {
    return this.inner.url;
  }

  #alive(): void {
    if (this.dead) throw new Killed(`killed after write ${this.killAfter}`);
  }

  async #write<T>(action: () => Promise<T>): Promise<T> {
    this.#alive();
    const result = await action();
    this.#alive();
    if (++this.writes === this.killAfter) this.dead = true;
    return result;
  }

  put = (key: string, body: Body, options?: PutOptions) => this.#write(() => this.inner.put(key, body, options));
  copy = (from: string, to: string) => this.#write(() => this.inner.copy(from, to));
  move = (from: string, to: string) => this.#write(() => this.inner.move(from, to));
  delete = (keys: readonly string[]) => this.#write(() => this.inner.delete(keys));
  get: Storage['get'] = async (key, options) => (this.#alive(), this.inner.get(key, options));
  getRange: Storage['getRange'] = async (key, offset, length, options) => (this.#alive(), this.inner.getRange(key, offset, length, options));
  head: Storage['head'] = async (key) => (this.#alive(), this.inner.head(key));
  list: Storage['list'] = (prefix) => {
    this.#alive();
    return this.inner.list(prefix);
  };
}
