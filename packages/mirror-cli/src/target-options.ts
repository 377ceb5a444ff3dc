import { S3Client } from '@aws-sdk/client-s3';
import type { TargetOptions } from '@gitmirror/mirror-core';
import type { Settings } from './settings.js';

/**
 * Storage options from the settings. Credentials and region always come from the AWS SDK's standard chain
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, instance roles…), never from flags.
 */
export function targetOptions(settings: Settings): TargetOptions {
  const { s3EndpointUrl: endpoint, s3ForcePathStyle: forcePathStyle } = settings;
  const checksums = settings.s3Checksums ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  let client: S3Client | undefined;
  return {
    getS3Client: endpoint
      ? () => (client ??= new S3Client({ endpoint, forcePathStyle, requestChecksumCalculation: checksums, responseChecksumValidation: checksums, maxAttempts: 5, retryMode: 'standard' }))
      : undefined,
    s3: {
      forcePathStyle,
      requestChecksumCalculation: checksums,
      unquotedIfMatch: settings.s3UnquotedIfMatch,
      ...(settings.s3StorageClass ? { storageClass: settings.s3StorageClass as NonNullable<NonNullable<TargetOptions['s3']>['storageClass']> } : {}),
    },
  };
}
