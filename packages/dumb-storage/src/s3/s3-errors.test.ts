import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { InvalidUrlError } from '../errors.js';
import { createS3Storage } from './s3-storage.js';

describe('an S3 client whose endpoint is not a URL', () => {
  it('fails with InvalidUrlError (INVALID_URL), not as a storage failure, never showing the endpoint', async () => {
    const client = new S3Client({ endpoint: 'http//user:hunter2 at host', region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const storage = createS3Storage('s3://bucket/mirror', { getS3Client: () => client });
    const error = await storage.head('HEAD').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidUrlError);
    expect(error).toMatchObject({ code: 'INVALID_URL', key: 'HEAD', message: 'head HEAD in s3://bucket/mirror/: the S3 endpoint is not a valid URL' });
    expect((error as Error).message).not.toContain('hunter2');
  });
});
