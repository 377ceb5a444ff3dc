import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { createFsStorage, type FsStorageOptions } from './fs/fs-storage.js';
import { createMemoryStorage } from './memory/memory-storage.js';
import type { S3StorageOptions } from './s3/s3-storage.js';
import type { Storage } from './storage.js';
import { InvalidUrlError } from './errors.js';
import { redactUrl } from './redact-url.js';

/** Options of {@link openStorage}; each sink reads only its own. */
export interface OpenStorageOptions {
  /** Supplies the S3 client for `s3://` URLs (endpoint, credentials, region); default: built from the AWS environment. */
  getS3Client?: () => S3Client;
  /** Tuning of the S3 sink (part size, queue size, storage class, path style, checksum mode...). */
  s3?: S3StorageOptions;
  /** Tuning of the filesystem sink (lock timing). */
  fs?: FsStorageOptions;
}

const scheme = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Opens the storage a URL names:
 * - `s3://bucket/prefix`: the S3 sink (the AWS SDK is loaded only then);
 * - `file:///absolute/path` or a plain path (relative to the working directory): the filesystem sink;
 * - `memory:` or `memory:name`: a new, empty in-memory sink.
 *
 * @throws InvalidUrlError for any other scheme or a malformed URL.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const match = scheme.exec(url);
  const protocol = match?.[1].toLowerCase();
  if (protocol === undefined) return createFsStorage(isAbsolute(url) ? url : resolve(url), options.fs);
  if (protocol === 's3') {
    const { createS3Storage } = await import('./s3/s3-storage.js');
    return createS3Storage(url, { ...options.s3, getS3Client: options.getS3Client });
  }
  if (protocol === 'file') {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (error) {
      throw new InvalidUrlError(`not a local file URL: ${redactUrl(url)}`, { cause: error });
    }
    return createFsStorage(path, options.fs);
  }
  if (protocol === 'memory') return createMemoryStorage(url.slice('memory:'.length) || undefined);
  throw new InvalidUrlError(`unsupported storage URL ${redactUrl(url)} (expected s3://, file://, memory: or a path)`);
}
