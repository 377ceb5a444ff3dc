import { S3Client, type StorageClass } from '@aws-sdk/client-s3';
import type { TargetOptions } from '@gitmirror/mirror-core';
import type { Settings } from './settings.js';

/**
 * Storage options from the settings, with one S3 client shared by every `s3://` target of the run (one connection
 * pool). Credentials and region come from the AWS SDK's standard chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`,
 * `AWS_PROFILE`, instance roles…), never from flags; without `--s3-endpoint-url`, `AWS_ENDPOINT_URL_S3` applies.
 */
export function targetOptions(settings: Settings): TargetOptions {
  const { s3EndpointUrl: endpoint, s3ForcePathStyle: forcePathStyle } = settings;
  const checksums = settings.s3Checksums ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  let client: S3Client | undefined;
  return {
    getS3Client: () =>
      (client ??= new S3Client({
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle,
        requestChecksumCalculation: checksums,
        responseChecksumValidation: checksums,
        maxAttempts: 5,
        retryMode: 'standard',
      })),
    s3: {
      unquotedIfMatch: settings.s3UnquotedIfMatch,
      ...(settings.s3StorageClass ? { storageClass: settings.s3StorageClass as StorageClass } : {}),
    },
  };
}
