import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { bodyChunks } from '../body.js';
import { contentTypeForKey } from '../content-type.js';
import { InvalidRangeError, isStorageError, PreconditionFailedError, StorageError } from '../errors.js';
import { validateKey, validatePrefix } from '../keys.js';
import { checkRangeArguments, checkRangeInside } from '../range.js';
import type { Body, GetResult, IncompleteUpload, ObjectInfo, PutOptions, ReadOptions, Storage } from '../storage.js';
import { forEachConcurrently } from './concurrency.js';
import { createDefaultS3Client, type S3ClientOptions } from './s3-client.js';
import { s3Error } from './s3-errors.js';
import { copySource, parseS3Url, type S3Location } from './s3-location.js';
import { streamingUpload } from './streaming-upload.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const maxParts = 10_000;
const deleteBatchSize = 1000;

const unquoted = (etag: string) => etag.replaceAll('"', '');

/** True when `etag` names the same version as `ifMatch`, whether either is quoted or not. */
const sameEtag = (etag: string | undefined, ifMatch: string) => etag !== undefined && unquoted(etag) === unquoted(ifMatch);

/** Tuning of the S3 sink; all optional. */
export interface S3StorageOptions extends S3ClientOptions {
  /**
   * Bytes per multipart upload part (default 5 MiB, the minimum). A put holds (queueSize + 1) × partSize bytes; an
   * object may have 10,000 parts, so raise it for objects over 48 GiB.
   */
  partSize?: number;
  /** Parts uploaded (and copied) in parallel (default 2; a put then holds 3 part buffers). */
  queueSize?: number;
  /** Storage class of written objects (default: the bucket's, usually STANDARD). */
  storageClass?: StorageClass;
  /** Objects larger than this are copied part by part with UploadPartCopy (default 5 GiB, CopyObject's limit). */
  multipartCopyThreshold?: number;
  /** Bytes per part of a multipart copy (default 512 MiB, minimum 5 MiB, maximum 5 GiB). */
  copyPartSize?: number;
  /**
   * Send `If-Match` etags without their quotes from the first write on. Ceph radosgw 16 (pacific) compares the header
   * with the bare MD5 and fails every quoted etag, which AWS and moto expect. Without this option the sink learns it
   * from the first 412 whose etag still matches, at the cost of one refused request.
   */
  unquotedIfMatch?: boolean;
}

/** Options of {@link createS3Storage}. */
export interface CreateS3StorageOptions extends S3StorageOptions {
  /** Supplies the S3 client (endpoint, credentials, region...); by default one is built from the AWS environment. */
  getS3Client?: () => S3Client;
}

/**
 * A {@link Storage} in an S3 bucket (AWS or any S3-compatible server), under a key prefix.
 *
 * Puts stream: bodies up to one part are a single PutObject, larger ones a multipart upload of `partSize` parts,
 * `queueSize` at a time, through `queueSize + 1` reused part buffers, aborted on any failure so no parts stay behind.
 * Conditional writes use `If-None-Match` / `If-Match` on PutObject and CompleteMultipartUpload, enforced by the server;
 * multipart ones are also checked with a HEAD just before completing, for servers that ignore the headers there
 * (Ceph radosgw 16), where two multipart writers racing within that window can both succeed.
 * A conditional write the SDK retried after losing the first attempt's response is recognised as its own (the key's
 * etag is the MD5 of the bytes sent) instead of being reported as a lost condition. A missing bucket raises
 * `BucketNotFoundError`. Multipart uploads a killed writer left are listed and aborted by `listIncompleteUploads` and
 * `abortIncompleteUploads`.
 * Copies are server-side (CopyObject, or UploadPartCopy above `multipartCopyThreshold`); move is copy then delete.
 */
export class S3Storage implements Storage {
  readonly url: string;
  /** The client every request goes through. */
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #storageClass: StorageClass | undefined;
  readonly #multipartCopyThreshold: number;
  readonly #copyPartSize: number;
  #unquotedIfMatch: boolean;

  constructor(location: S3Location, options: CreateS3StorageOptions = {}) {
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.url = `s3://${location.bucket}/${location.prefix}`;
    this.client = options.getS3Client ? options.getS3Client() : createDefaultS3Client(options);
    this.#partSize = Math.max(options.partSize ?? 5 * MiB, 5 * MiB);
    this.#queueSize = Math.max(1, options.queueSize ?? 2);
    this.#storageClass = options.storageClass;
    this.#multipartCopyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.#unquotedIfMatch = options.unquotedIfMatch ?? false;
    this.#copyPartSize = Math.min(Math.max(options.copyPartSize ?? 512 * MiB, 5 * MiB), 5 * GiB);
  }

  #key(key: string): string {
    return this.#prefix + validateKey(key);
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<{ etag: string }> {
    const objectKey = this.#key(key);
    const { signal } = options;
    signal?.throwIfAborted();
    let bodyError: { error: unknown } | undefined;
    const chunks = async function* () {
      try {
        for await (const chunk of bodyChunks(body)) {
          signal?.throwIfAborted();
          yield chunk;
        }
      } catch (error) {
        bodyError = { error };
        throw error;
      }
    };
    try {
      const etag = await streamingUpload(
        {
          client: this.client,
          bucket: this.#bucket,
          key: objectKey,
          contentType: options.contentType ?? contentTypeForKey(key),
          storageClass: this.#storageClass,
          ifNoneMatch: options.ifNoneMatch,
          ifMatch: this.#unquotedIfMatch && options.ifMatch !== undefined ? unquoted(options.ifMatch) : options.ifMatch,
          beforeComplete: options.ifNoneMatch || options.ifMatch !== undefined ? () => this.#checkPrecondition(key, options) : undefined,
          retryIfMatchUnquoted: () => this.#learnUnquotedIfMatch(key, options.ifMatch),
          currentEtag: () => this.#currentEtag(key),
        },
        chunks(),
        { partSize: this.#partSize, queueSize: this.#queueSize, signal },
      );
      return { etag: etag || (await this.head(key)).etag };
    } catch (error) {
      if (bodyError) throw bodyError.error;
      if (signal?.aborted) throw signal.reason;
      const mapped = s3Error(error, 'put', key, this.url);
      if (mapped.code === 'OBJECT_NOT_FOUND' && options.ifMatch !== undefined) {
        throw new PreconditionFailedError(`${key} is not at version ${options.ifMatch} in ${this.url}`, { key, cause: error });
      }
      throw mapped;
    }
  }

  /**
   * Checks a put's condition against the current object, for the servers that ignore it on CompleteMultipartUpload.
   * The header still goes with the request, so servers that honour it (AWS, moto) close the remaining race.
   */
  async #checkPrecondition(key: string, options: PutOptions): Promise<void> {
    const current = await this.head(key).catch((error: unknown) => {
      if (isStorageError(error, 'OBJECT_NOT_FOUND')) return undefined;
      throw error;
    });
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(`${key} already exists in ${this.url}`, { key });
    if (options.ifMatch !== undefined && !sameEtag(current?.etag, options.ifMatch)) {
      throw new PreconditionFailedError(`${key} is not at version ${options.ifMatch} in ${this.url}`, { key });
    }
  }

  async #currentEtag(key: string): Promise<string | undefined> {
    try {
      return (await this.head(key)).etag;
    } catch (error) {
      if (isStorageError(error, 'OBJECT_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  /** True when `key` is still at `ifMatch`, so a 412 only means the server wants the etag without quotes. */
  async #learnUnquotedIfMatch(key: string, ifMatch: string | undefined): Promise<boolean> {
    const current = await this.head(key).catch(() => undefined);
    if (ifMatch === undefined || !sameEtag(current?.etag, ifMatch)) return false;
    this.#unquotedIfMatch = true;
    return true;
  }

  async get(key: string, options: ReadOptions = {}): Promise<GetResult> {
    const objectKey = this.#key(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }), {
        abortSignal: options.signal,
      });
      const body = response.Body as AsyncIterable<Uint8Array>;
      return { body: this.#mapStreamErrors(body, key), etag: response.ETag ?? '', size: response.ContentLength ?? 0 };
    } catch (error) {
      throw s3Error(error, 'get', key, this.url);
    }
  }

  async *#mapStreamErrors(body: AsyncIterable<Uint8Array>, key: string): AsyncGenerator<Uint8Array> {
    try {
      yield* body;
    } catch (error) {
      throw s3Error(error, 'get', key, this.url);
    }
  }

  async getRange(key: string, offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    checkRangeArguments(key, offset, length);
    if (length === 0) {
      checkRangeInside(key, offset, length, (await this.head(key)).size);
      return new Uint8Array(0);
    }
    const objectKey = this.#key(key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey, Range: `bytes=${offset}-${offset + length - 1}` }),
        { abortSignal: options.signal },
      );
      const body = response.Body as Readable;
      if (response.ContentLength !== length) {
        body.destroy();
        throw new InvalidRangeError(`range ${offset}+${length} is past the end of ${key}`, { key });
      }
      const bytes = new Uint8Array(length);
      let filled = 0;
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        if (filled + chunk.byteLength > length) throw new InvalidRangeError(`the server sent more than ${length} bytes for ${key}`, { key });
        bytes.set(chunk, filled);
        filled += chunk.byteLength;
      }
      if (filled !== length) throw new StorageError('STORAGE_FAILURE', `getRange ${key} in ${this.url}: the response ended early`, { key });
      return bytes;
    } catch (error) {
      throw s3Error(error, 'getRange', key, this.url);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const objectKey = this.#key(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      return { key, size: response.ContentLength ?? 0, etag: response.ETag ?? '', contentType: response.ContentType, lastModified: response.LastModified };
    } catch (error) {
      throw s3Error(error, 'head', key, this.url);
    }
  }

  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    validatePrefix(prefix);
    let continuationToken: string | undefined;
    do {
      let response;
      try {
        response = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: continuationToken }),
        );
      } catch (error) {
        throw s3Error(error, 'list', prefix, this.url);
      }
      for (const object of response.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(this.#prefix.length), size: object.Size ?? 0, etag: object.ETag ?? '', lastModified: object.LastModified };
      }
      continuationToken = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  /** The multipart uploads in progress under `prefix` (ListMultipartUploads: one request per 1000 uploads). */
  async *listIncompleteUploads(prefix: string, options: ReadOptions = {}): AsyncGenerator<IncompleteUpload> {
    for await (const upload of this.#multipartUploads(prefix, options.signal)) {
      yield { kind: 'multipart-upload', key: upload.key, lastActivity: upload.initiated };
    }
  }

  /**
   * Aborts the multipart uploads under `prefix` started before `olderThan` whose newest part is older too (one
   * ListParts per such upload, so an upload still sending parts after a long time is not cut off).
   */
  async abortIncompleteUploads(prefix: string, olderThan: Date): Promise<IncompleteUpload[]> {
    const aborted: IncompleteUpload[] = [];
    for await (const upload of this.#multipartUploads(prefix)) {
      if (upload.initiated >= olderThan) continue;
      const objectKey = this.#prefix + upload.key;
      try {
        const lastActivity = await this.#lastPartTime(objectKey, upload.uploadId, upload.initiated);
        if (lastActivity >= olderThan) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: objectKey, UploadId: upload.uploadId }));
        aborted.push({ kind: 'multipart-upload', key: upload.key, lastActivity });
      } catch (error) {
        const mapped = s3Error(error, 'abortIncompleteUploads', upload.key, this.url);
        if (mapped.code !== 'OBJECT_NOT_FOUND') throw mapped;
      }
    }
    return aborted;
  }

  async *#multipartUploads(prefix: string, signal?: AbortSignal): AsyncGenerator<{ key: string; uploadId: string; initiated: Date }> {
    validatePrefix(prefix);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let response;
      try {
        response = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw s3Error(error, 'listIncompleteUploads', prefix, this.url);
      }
      for (const upload of response.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        yield { key: upload.Key.slice(this.#prefix.length), uploadId: upload.UploadId, initiated: upload.Initiated ?? new Date(0) };
      }
      const more = response.IsTruncated === true && (response.NextKeyMarker !== keyMarker || response.NextUploadIdMarker !== uploadIdMarker);
      keyMarker = more ? response.NextKeyMarker : undefined;
      uploadIdMarker = more ? response.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
  }

  /** When the newest part of an upload was written (`initiated` when it has none). */
  async #lastPartTime(objectKey: string, uploadId: string, initiated: Date): Promise<Date> {
    let latest = initiated;
    let marker: string | undefined;
    for (let page = 0; page < maxParts / 1000; page++) {
      const response = await this.client.send(
        new ListPartsCommand({ Bucket: this.#bucket, Key: objectKey, UploadId: uploadId, PartNumberMarker: marker }),
      );
      for (const part of response.Parts ?? []) if (part.LastModified && part.LastModified > latest) latest = part.LastModified;
      if (!response.IsTruncated || response.NextPartNumberMarker === undefined || response.NextPartNumberMarker === marker) break;
      marker = response.NextPartNumberMarker;
    }
    return latest;
  }

  async delete(keys: readonly string[]): Promise<void> {
    const objectKeys = keys.map((key) => this.#key(key));
    for (let start = 0; start < objectKeys.length; start += deleteBatchSize) {
      const batch = objectKeys.slice(start, start + deleteBatchSize);
      let response;
      try {
        response = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (error) {
        throw s3Error(error, 'delete', keys[start], this.url);
      }
      const failure = response.Errors?.find((error) => error.Code !== 'NoSuchKey');
      if (failure) {
        const key = (failure.Key ?? '').slice(this.#prefix.length);
        const shape = { name: failure.Code, message: failure.Message, $metadata: {} };
        throw s3Error(shape, 'delete', key, this.url);
      }
    }
  }

  async copy(from: string, to: string): Promise<void> {
    const source = await this.head(from);
    const target = this.#key(to);
    const sourceName = copySource(this.#bucket, this.#key(from));
    try {
      if (source.size <= this.#multipartCopyThreshold) {
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.#bucket,
            Key: target,
            CopySource: sourceName,
            CopySourceIfMatch: source.etag,
            StorageClass: this.#storageClass,
          }),
        );
      } else {
        await this.#copyInParts(sourceName, source, target);
      }
    } catch (error) {
      throw s3Error(error, 'copy', to, this.url);
    }
  }

  async #copyInParts(sourceName: string, source: ObjectInfo, target: string): Promise<void> {
    const partSize = Math.max(this.#copyPartSize, Math.ceil(source.size / maxParts));
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: target,
        ContentType: source.contentType,
        StorageClass: this.#storageClass,
      }),
    );
    const ranges = Array.from({ length: Math.ceil(source.size / partSize) }, (_, index) => ({
      first: index * partSize,
      last: Math.min(source.size, (index + 1) * partSize) - 1,
    }));
    const parts: CompletedPart[] = [];
    try {
      await forEachConcurrently(ranges, this.#queueSize, async ({ first, last }, index) => {
        const { CopyPartResult } = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.#bucket,
            Key: target,
            UploadId,
            PartNumber: index + 1,
            CopySource: sourceName,
            CopySourceRange: `bytes=${first}-${last}`,
            CopySourceIfMatch: source.etag,
          }),
        );
        parts[index] = { PartNumber: index + 1, ETag: CopyPartResult?.ETag };
      });
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: target, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    if (from === to) {
      await this.head(from);
      return;
    }
    await this.copy(from, to);
    await this.delete([from]);
  }
}

/**
 * Opens the S3 sink for `s3://bucket/prefix` (or a parsed location). Nothing is sent until the first operation.
 *
 * @example
 * ```ts
 * const storage = createS3Storage('s3://my-bucket/mirrors/linux.git', {
 *   getS3Client: () => new S3Client({ endpoint: 'http://127.0.0.1:7480', forcePathStyle: true, region: 'us-east-1' }),
 * });
 * ```
 */
export function createS3Storage(url: string | S3Location, options?: CreateS3StorageOptions): S3Storage {
  return new S3Storage(typeof url === 'string' ? parseS3Url(url) : url, options);
}
