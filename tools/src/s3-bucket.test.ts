import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestBucket, createTestS3Client } from './s3-bucket.js';
import { s3TestServers } from './s3-servers.js';

for (const { name, server, skipReason } of s3TestServers()) {
  describe.skipIf(!server)(`${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    const client = server && createTestS3Client(server);
    afterAll(() => client?.destroy());

    it('creates unique buckets that store and return objects', async () => {
      const bucket = await createTestBucket(server!);
      expect(bucket).not.toBe(await createTestBucket(server!));
      const body = new Uint8Array(256).map((_, i) => i);
      await client!.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/bytes', Body: body }));
      const got = await client!.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/bytes' }));
      expect(await got.Body!.transformToByteArray()).toEqual(body);
    });

    it('keeps a bucket private unless publicRead, then serves anonymous GET and listing', async () => {
      const privateBucket = await createTestBucket(server!);
      const publicBucket = await createTestBucket(server!, { publicRead: true });
      for (const bucket of [privateBucket, publicBucket]) {
        await client!.send(new PutObjectCommand({ Bucket: bucket, Key: 'info/refs', Body: 'refs\n' }));
      }
      const anonymous = await fetch(`${server!.endpoint}/${publicBucket}/info/refs`);
      expect(anonymous.status).toBe(200);
      expect(await anonymous.text()).toBe('refs\n');
      const listing = await fetch(`${server!.endpoint}/${publicBucket}?list-type=2&prefix=info/`);
      expect(listing.status).toBe(200);
      expect(await listing.text()).toContain('<Key>info/refs</Key>');
      if (name === 'radosgw') {
        // moto does not enforce access control; radosgw must.
        expect((await fetch(`${server!.endpoint}/${privateBucket}/info/refs`)).status).toBe(403);
      }
    });

    // moto accepts any key, so only radosgw can show that signatures are checked.
    if (name !== 'radosgw') return;
    it('checks SigV4 signatures: a wrong secret is rejected', async () => {
      const forged = new S3Client({
        endpoint: server!.endpoint,
        region: server!.region,
        forcePathStyle: true,
        credentials: { accessKeyId: server!.accessKeyId, secretAccessKey: `${server!.secretAccessKey}x` },
      });
      await expect(forged.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      forged.destroy();
      await expect(client!.send(new ListBucketsCommand({}))).resolves.toBeDefined();
    });
  });
}
