import { S3Client } from '@aws-sdk/client-s3';

/** How the default S3 client is built (ignored when `getS3Client` supplies one). */
export interface S3ClientOptions {
  /** Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (most S3-compatible servers). */
  forcePathStyle?: boolean;
  /**
   * `'WHEN_SUPPORTED'` (the SDK's default) sends CRC32 checksums with every upload; `'WHEN_REQUIRED'` only where the
   * API demands one, for S3-compatible servers that reject the newer checksum headers or aws-chunked uploads.
   */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Attempts per request, including the first (default 5). Retried: 500, 502, 503, 504, throttling, resets. */
  maxAttempts?: number;
}

/**
 * The S3 client used when none is given: credentials, region and endpoint come from the standard AWS chain
 * (environment, shared config and credentials files, SSO, instance roles), including `AWS_ENDPOINT_URL_S3` and
 * `AWS_ENDPOINT_URL`. Retries use the SDK's standard mode: exponential backoff with full jitter, bounded by
 * `maxAttempts`.
 */
export function createDefaultS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle,
    requestChecksumCalculation: options.requestChecksumCalculation,
    responseChecksumValidation: options.requestChecksumCalculation,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'standard',
  });
}
