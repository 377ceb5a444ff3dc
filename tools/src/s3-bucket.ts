import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3TestServer } from './s3-servers.js';

/**
 * An S3 client for a test server: path-style addressing, checksums only where the API requires them. `endpoint`
 * reaches the server another way (a fault-injecting proxy); `maxAttempts` replaces the SDK's default of 3.
 */
export function createTestS3Client(server: S3TestServer, options: { endpoint?: string; maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint: options.endpoint ?? server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}

/** The bucket policy letting anyone list the bucket and read its objects (what dumb-HTTP `git clone` needs). */
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      { Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
    ],
  });
}

/**
 * Creates a bucket with a unique name on a test server and returns its name. With `publicRead`, anonymous clients
 * may read and list it (see {@link publicReadPolicy}).
 */
export async function createTestBucket(server: S3TestServer, options: { publicRead?: boolean } = {}): Promise<string> {
  const bucket = `gitmirror-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const client = createTestS3Client(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    if (options.publicRead) await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
  } finally {
    client.destroy();
  }
  return bucket;
}
