import type { S3Client, StorageClass } from '@aws-sdk/client-s3';
import { minimumCeiling, targetKind, type DumbTargetOptions } from '@gitmirror/mirror-core';
import { UsageError } from './errors.js';
import type { Settings } from './settings.js';

let S3ClientClass: typeof S3Client | undefined;

/** Whether a target URL names S3. */
export function isS3Url(url: string): boolean {
  return targetKind(url) === 's3';
}

/**
 * Refuses a `--max-memory` below what a run with `s3://` targets needs (Node, the AWS SDK and one pack); `which`
 * says which targets, in the message.
 * @throws UsageError
 */
export function checkS3MemoryFloor(maxMemory: number, which = 's3:// targets'): void {
  const floor = minimumCeiling({ s3: true });
  if (maxMemory < floor) throw new UsageError(`--max-memory: with ${which} the process needs at least ${floor / 1024 / 1024}M (Node, the AWS SDK and one pack)`);
}

/** Loads the AWS SDK (about 300 ms): runs without an `s3://` target never pay for it. */
export async function loadS3Sdk(): Promise<void> {
  S3ClientClass ??= (await import('@aws-sdk/client-s3')).S3Client;
}

/**
 * Storage options from the settings, with one S3 client shared by every `s3://` target of the run (one connection
 * pool); {@link loadS3Sdk} must have run before the first `s3://` target opens. Credentials and region come from the
 * AWS SDK's standard chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, instance roles…), never from
 * flags; without `--s3-endpoint-url`, `AWS_ENDPOINT_URL_S3` applies.
 */
export function targetOptions(settings: Settings): Required<Pick<DumbTargetOptions, 'getS3Client' | 's3'>> {
  const { s3EndpointUrl: endpoint, s3ForcePathStyle: forcePathStyle } = settings;
  const checksums = settings.s3Checksums ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  let client: S3Client | undefined;
  return {
    getS3Client: () => {
      if (!S3ClientClass) throw new Error('the AWS SDK was not loaded before opening an s3:// target');
      return (client ??= new S3ClientClass({
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle,
        requestChecksumCalculation: checksums,
        responseChecksumValidation: checksums,
        maxAttempts: 5,
        retryMode: 'standard',
      }));
    },
    s3: {
      unquotedIfMatch: settings.s3UnquotedIfMatch,
      ...(settings.s3StorageClass ? { storageClass: settings.s3StorageClass as StorageClass } : {}),
    },
  };
}
