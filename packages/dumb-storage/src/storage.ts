/** The bytes of an object: all at once, or streamed chunk by chunk (never buffered whole by streaming sinks). */
export type Body = Uint8Array | AsyncIterable<Uint8Array>;

/** Options of {@link Storage.put}. */
export interface PutOptions {
  /** MIME type stored with the object; defaults to {@link contentTypeForKey}. */
  contentType?: string;
  /** `'*'`: create only; fails with `PreconditionFailedError` when the key already exists. */
  ifNoneMatch?: '*';
  /** Replace only the version with this etag; fails with `PreconditionFailedError` otherwise (or if missing). */
  ifMatch?: string;
  /** Aborts the upload; nothing is left behind. */
  signal?: AbortSignal;
}

/** Options of the read operations. */
export interface ReadOptions {
  /** Aborts the read. */
  signal?: AbortSignal;
}

/** What {@link Storage.head} and {@link Storage.list} know about one object. */
export interface ObjectInfo {
  /** Key relative to the storage root. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Opaque version tag; changes whenever the object is written. Pass it to `ifMatch`. */
  etag: string;
  /** MIME type, when the sink knows it (`list` on S3 does not). */
  contentType?: string;
  /** When this version was written, when the sink knows it (every built-in sink does). */
  lastModified?: Date;
}

/**
 * A write that started and never finished, as a killed process leaves it: an S3 multipart upload, or a sink's
 * temporary file. Readers never see it; it only takes space.
 */
export interface IncompleteUpload {
  /** `'multipart-upload'` (S3) or `'temporary-file'` (the filesystem sink's `.gitmirror-tmp-*` files). */
  kind: 'multipart-upload' | 'temporary-file';
  /** The key being written (S3), or the temporary file's path relative to the root (filesystem). */
  key: string;
  /** When it was started (S3) or last written to (filesystem). */
  lastActivity: Date;
}

/** An object being read by {@link Storage.get}. */
export interface GetResult {
  /** The object's bytes; consume it fully or break out of the loop to release the connection. */
  body: AsyncIterable<Uint8Array>;
  /** The etag of the version being read. */
  etag: string;
  /** Size in bytes. */
  size: number;
}

/**
 * Where a dumb mirror lives: a flat namespace of '/'-separated keys (e.g. `objects/pack/pack-<sha>.pack`)
 * relative to a root (a folder, an S3 prefix, a map). Implement it to plug in your own sink.
 *
 * Errors are {@link StorageError}s with a `code`: `OBJECT_NOT_FOUND`, `BUCKET_NOT_FOUND`, `PRECONDITION_FAILED`,
 * `ACCESS_DENIED`, `THROTTLED`, `INVALID_KEY`, `INVALID_RANGE`, `LOCKED` or `STORAGE_FAILURE`.
 */
export interface Storage {
  /** Where the storage points, for messages; credentials removed. */
  readonly url: string;
  /** Writes an object atomically (readers see the old or the new version, never a part) and returns its new etag. */
  put(key: string, body: Body, options?: PutOptions): Promise<{ etag: string }>;
  /** Streams an object; `NotFoundError` if it does not exist. */
  get(key: string, options?: ReadOptions): Promise<GetResult>;
  /** Reads `length` bytes at `offset`; `InvalidRangeError` if they are not all inside the object. */
  getRange(key: string, offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Size, etag and content type of an object; `NotFoundError` if it does not exist. */
  head(key: string): Promise<ObjectInfo>;
  /** Every object whose key starts with `prefix` (a plain string prefix, not only folders), in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes objects, in batches; keys that do not exist are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Copies an object (server-side where the sink can); `NotFoundError` if `from` does not exist. */
  copy(from: string, to: string): Promise<void>;
  /** Moves an object (a rename where the sink can, else copy then delete). */
  move(from: string, to: string): Promise<void>;
  /**
   * Optional: the {@link IncompleteUpload}s under `prefix`, in one request where the sink can (S3
   * ListMultipartUploads). Sinks whose writes leave nothing behind when interrupted (memory) omit it.
   */
  listIncompleteUploads?(prefix: string, options?: ReadOptions): AsyncIterable<IncompleteUpload>;
  /**
   * Optional, with {@link listIncompleteUploads}: aborts (deletes) the incomplete uploads under `prefix` that show no
   * activity since `olderThan`, and returns them. Writes still making progress are left alone, so a grace period
   * longer than any write keeps a concurrent writer safe.
   */
  abortIncompleteUploads?(prefix: string, olderThan: Date): Promise<IncompleteUpload[]>;
}
