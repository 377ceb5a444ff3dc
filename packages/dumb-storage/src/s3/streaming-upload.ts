import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { StorageError } from '../errors.js';
import { PartBuffers } from './part-buffers.js';

const maxParts = 10_000;

/** Where and how {@link streamingUpload} writes. */
export interface StreamingUploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  storageClass?: StorageClass;
  ifNoneMatch?: string;
  ifMatch?: string;
  /**
   * Runs after the last part and before CompleteMultipartUpload; throwing aborts the upload. For servers that ignore
   * `If-None-Match` / `If-Match` on CompleteMultipartUpload (Ceph radosgw 16).
   */
  beforeComplete?: () => Promise<void>;
  /**
   * Runs when a single PutObject with a quoted `ifMatch` failed with 412; answering true sends it once more with the
   * bare etag. For servers that compare `If-Match` with the bare MD5 (Ceph radosgw 16).
   */
  retryIfMatchUnquoted?: () => Promise<boolean>;
  /**
   * The current etag of the key, or `undefined` when it does not exist. Asked when a conditional write that the SDK
   * had to retry failed with 412 (or, for a multipart upload, with NoSuchUpload): if the key now holds exactly the
   * bytes sent, the first attempt succeeded and only its response was lost.
   */
  currentEtag?: () => Promise<string | undefined>;
}

/** Part size, parallelism and cancellation of {@link streamingUpload}. */
export interface StreamingUploadOptions {
  /** Bytes per part (S3: at least 5 MiB except the last part). */
  partSize: number;
  /** Parts uploading at once; one more part buffer is being filled meanwhile. */
  queueSize: number;
  /** Cancels requests in flight; the multipart upload is aborted before the error is thrown. */
  signal?: AbortSignal;
}

/**
 * Uploads a stream of chunks as one object and returns its ETag (empty when the server sends none). A body that fits in one part is a single PutObject;
 * a larger one a multipart upload whose parts are copied into `queueSize + 1` reused buffers, so memory stays at
 * `(queueSize + 1) × partSize` whatever the object's size. Conditions (`If-None-Match`, `If-Match`) go on the PutObject
 * or the CompleteMultipartUpload. On any failure (a part, the body, the signal, a precondition) the requests in
 * flight are awaited and the multipart upload is aborted before the error is rethrown, so no parts stay behind.
 */
export async function streamingUpload(
  target: StreamingUploadTarget,
  chunks: AsyncIterable<Uint8Array>,
  options: StreamingUploadOptions,
): Promise<string | undefined> {
  const { client, bucket, key } = target;
  const { partSize, signal } = options;
  const sendOptions = { abortSignal: signal };
  const withChecksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  const checksumAlgorithm = withChecksums ? ('CRC32' as const) : undefined;
  const buffers = new PartBuffers(partSize, options.queueSize + 1);
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let uploadId: string | undefined;
  let created: Promise<string | undefined> | undefined;

  // Parts wait for CreateMultipartUpload on their own, so the next part fills meanwhile instead of waiting too.
  const sendPart = (buffer: Uint8Array, length: number) => {
    if (parts.length === maxParts) {
      throw new StorageError('STORAGE_FAILURE', `${key} needs more than ${maxParts} parts of ${partSize} bytes; raise partSize`, {
        key,
      });
    }
    created ??= client
      .send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: target.contentType,
          StorageClass: target.storageClass,
          ChecksumAlgorithm: checksumAlgorithm,
        }),
        sendOptions,
      )
      .then((result) => (uploadId = result.UploadId));
    const partNumber = parts.length + 1;
    parts.push({ PartNumber: partNumber });
    const upload = created
      .then((id) =>
        client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: id,
            PartNumber: partNumber,
            Body: buffer.subarray(0, length),
            ChecksumAlgorithm: checksumAlgorithm,
          }),
          sendOptions,
        ),
      )
      .then((result) => {
        parts[partNumber - 1] = { PartNumber: partNumber, ETag: result.ETag, ChecksumCRC32: result.ChecksumCRC32 };
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        inFlight.delete(upload);
        buffers.give(buffer);
      });
    inFlight.add(upload);
  };

  const settle = async () => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  let buffer = await buffers.take();
  let filled = 0;
  try {
    for await (const chunk of chunks) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        if (failure) throw failure.error;
        if (filled === partSize) {
          sendPart(buffer, filled);
          buffer = await buffers.take();
          filled = 0;
        }
        const take = Math.min(partSize - filled, chunk.byteLength - offset);
        buffer.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
    }
    if (created === undefined) {
      const putObject = async (ifMatch: string | undefined) =>
        (
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: buffer.subarray(0, filled),
              ContentType: target.contentType,
              StorageClass: target.storageClass,
              IfNoneMatch: target.ifNoneMatch,
              IfMatch: ifMatch,
            }),
            sendOptions,
          )
        ).ETag;
      const body = buffer.subarray(0, filled);
      const ownWrite = (error: unknown) => recognizeOwnWrite(target, error, () => createHash('md5').update(body).digest('hex'));
      try {
        return await putObject(target.ifMatch);
      } catch (error) {
        const recognized = await ownWrite(error);
        if (recognized !== undefined) return recognized;
        const quoted = target.ifMatch?.startsWith('"') === true;
        if (!quoted || httpStatus(error) !== 412 || !(await target.retryIfMatchUnquoted?.())) throw error;
        try {
          return await putObject(target.ifMatch!.replaceAll('"', ''));
        } catch (retryError) {
          const recognizedRetry = await ownWrite(retryError);
          if (recognizedRetry !== undefined) return recognizedRetry;
          throw retryError;
        }
      }
    }
    sendPart(buffer, filled);
    await settle();
    if (failure) throw failure.error;
    await target.beforeComplete?.();
    try {
      const result = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          IfNoneMatch: target.ifNoneMatch,
          IfMatch: target.ifMatch,
        }),
        sendOptions,
      );
      return result.ETag;
    } catch (error) {
      const recognized = await recognizeOwnWrite(target, error, () => multipartEtag(parts));
      if (recognized === undefined) throw error;
      return recognized;
    }
  } catch (error) {
    await settle();
    if (uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch((abortError: unknown) => {
        if (error instanceof Error && error.cause === undefined) error.cause = abortError;
      });
    }
    throw error;
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * The key's etag when `error` is what a retried request whose first attempt succeeded gets back (412 against the
 * version the first attempt wrote, or NoSuchUpload for a completed multipart upload) and the key holds an object
 * whose etag is `expectedEtag()`; else `undefined`. Identical bytes from another writer count as ours: the result
 * is the same object.
 */
async function recognizeOwnWrite(target: StreamingUploadTarget, error: unknown, expectedEtag: () => string): Promise<string | undefined> {
  const { $metadata, name } = (error ?? {}) as { $metadata?: { httpStatusCode?: number; attempts?: number }; name?: string };
  if (!target.currentEtag || ($metadata?.attempts ?? 1) < 2) return undefined;
  if ($metadata?.httpStatusCode !== 412 && name !== 'NoSuchUpload') return undefined;
  const current = await target.currentEtag().catch(() => undefined);
  return current !== undefined && current.replaceAll('"', '') === expectedEtag() ? current : undefined;
}

/** The etag S3 gives a multipart object: the MD5 of its parts' binary MD5s, a dash and the part count. */
function multipartEtag(parts: readonly CompletedPart[]): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(Buffer.from((part.ETag ?? '').replaceAll('"', ''), 'hex'));
  return `${hash.digest('hex')}-${parts.length}`;
}
