import { createTestBucket, createTestS3Client, s3TestServers, type S3TestServer } from '@gitmirror/test-servers';
import { CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, BucketNotFoundError, NotFoundError, ThrottledError } from '../errors.js';
import { openStorage } from '../open-storage.js';
import { describeStorageContract } from '../test-support/contract-suite.js';
import { startFaultProxy, type Fault } from '../test-support/fault-proxy.js';
import { bytesOf, generatedBody, sha256Of } from '../test-support/generated-body.js';
import { multipartUploadsIn, removeBucket } from '../test-support/s3-buckets.js';
import { createS3Storage } from './s3-storage.js';

const MiB = 1024 * 1024;
const text = (value: string) => new TextEncoder().encode(value);

/** Counts the bytes of finished UploadPart requests and the commands sent, by name. */
function instrument(client: S3Client) {
  const seen = { uploadedPartBytes: 0, commands: new Map<string, number>() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = context.commandName ?? '';
      seen.commands.set(name, (seen.commands.get(name) ?? 0) + 1);
      const body = (args.input as { Body?: unknown }).Body;
      if (name === 'UploadPartCommand' && body instanceof Uint8Array) seen.uploadedPartBytes += body.byteLength;
      return result;
    },
    { step: 'initialize', name: 'countForTests' },
  );
  return seen;
}

for (const slot of s3TestServers()) {
  let client: S3Client;
  let bucket: string;
  describeStorageContract(
    `s3 on ${slot.name}`,
    async () => {
      client = createTestS3Client(slot.server!);
      bucket = await createTestBucket(slot.server!);
      return createS3Storage(`s3://${bucket}/some/prefix`, {
        getS3Client: () => client,
        partSize: 5 * MiB,
        queueSize: 2,
      });
    },
    {
      skipReason: slot.skipReason,
      multipartConditionsNotAtomic:
        slot.name === 'radosgw'
          ? 'radosgw 16 ignores If-None-Match on CompleteMultipartUpload; only a HEAD check guards it'
          : 'moto checks If-None-Match on CompleteMultipartUpload, then writes, without a lock',
      ...(slot.name === 'moto' && { conditionsNotAtomic: 'moto checks If-Match, then writes, without a lock' }),
      partSize: 5 * MiB,
      leftovers: (prefix) => multipartUploadsIn(client, bucket, `some/prefix/${prefix}`),
      cleanup: async () => {
        if (bucket) await removeBucket(client, bucket);
      },
    },
  );

  const title = slot.server ? `s3 sink on ${slot.name}` : `s3 sink on ${slot.name} (skipped: ${slot.skipReason})`;
  describe.skipIf(!slot.server)(title, () => {
    const server = slot.server as S3TestServer;
    let admin: S3Client;
    let testBucket: string;

    beforeAll(async () => {
      admin = createTestS3Client(server);
      testBucket = await createTestBucket(server);
    });
    afterAll(async () => {
      if (testBucket) await removeBucket(admin, testBucket);
    });

    const storageThrough = (endpoint: string, maxAttempts: number) =>
      createS3Storage(`s3://${testBucket}/faults`, { getS3Client: () => createTestS3Client(server, { endpoint, maxAttempts }) });

    async function withProxy(decide: (index: number) => Fault, action: (proxy: Awaited<ReturnType<typeof startFaultProxy>>) => Promise<void>) {
      const proxy = await startFaultProxy(server.endpoint, (_, index) => decide(index));
      try {
        await action(proxy);
      } finally {
        await proxy.close();
      }
    }

    it('keeps at most queueSize + 1 parts of a streamed body in memory', async () => {
      const client = createTestS3Client(server);
      const seen = instrument(client);
      const partSize = 5 * MiB;
      const chunkSize = 64 * 1024;
      const storage = createS3Storage(`s3://${testBucket}/bounded`, { getS3Client: () => client, partSize, queueSize: 1 });
      let mostAhead = 0;
      const size = 4 * partSize + 1000;
      const body = generatedBody(size, {
        chunkSize,
        onChunk: (end) => {
          mostAhead = Math.max(mostAhead, end - seen.uploadedPartBytes);
        },
      });
      await storage.put('objects/pack/pack-bounded.pack', body);
      expect(seen.uploadedPartBytes).toBe(size);
      expect(mostAhead).toBeGreaterThan(partSize);
      expect(mostAhead).toBeLessThanOrEqual(2 * partSize + 2 * chunkSize);
      expect(await sha256Of((await storage.get('objects/pack/pack-bounded.pack')).body)).toBe(body.digest());
    });

    it('fills the next part while CreateMultipartUpload is on its way', async () => {
      const client = createTestS3Client(server);
      const partSize = 5 * MiB;
      let yielded = 0;
      let yieldedWhenCreated = 0;
      let bodyPassedFirstPart!: () => void;
      const passedFirstPart = new Promise<void>((resolve) => (bodyPassedFirstPart = resolve));
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'CreateMultipartUploadCommand') {
            // Answered once the body got past the first part, or after 5 s if the upload waits for the answer.
            await Promise.race([passedFirstPart, new Promise((resolve) => setTimeout(resolve, 5_000))]);
            yieldedWhenCreated = yielded;
          }
          return next(args);
        },
        { step: 'initialize', name: 'holdCreateForTests' },
      );
      const storage = createS3Storage(`s3://${testBucket}/early`, { getS3Client: () => client, partSize, queueSize: 1 });
      const body = generatedBody(2 * partSize + 1000, {
        chunkSize: 64 * 1024,
        onChunk: (end) => {
          yielded = end;
          if (end > partSize + MiB) bodyPassedFirstPart();
        },
      });
      await storage.put('objects/pack/pack-early.pack', body);
      expect(yieldedWhenCreated).toBeGreaterThan(partSize + MiB);
      expect(await sha256Of((await storage.get('objects/pack/pack-early.pack')).body)).toBe(body.digest());
    });

    it('copies an object above the multipart threshold part by part, keeping its content type', async () => {
      const client = createTestS3Client(server);
      const seen = instrument(client);
      const storage = createS3Storage(`s3://${testBucket}/big-copy`, {
        getS3Client: () => client,
        multipartCopyThreshold: 5 * MiB,
        copyPartSize: 5 * MiB,
      });
      const body = generatedBody(12 * MiB + 17, { seed: 11 });
      await storage.put('from.pack', body, { contentType: 'text/plain' });
      await storage.copy('from.pack', 'to.pack');
      expect(seen.commands.get('UploadPartCopyCommand')).toBe(3);
      expect(seen.commands.get('CopyObjectCommand')).toBeUndefined();
      expect(await sha256Of((await storage.get('to.pack')).body)).toBe(body.digest());
      expect((await storage.head('to.pack')).contentType).toBe('text/plain');
      expect(await multipartUploadsIn(admin, testBucket, 'big-copy/')).toEqual([]);
    });

    it('uploads parts with CRC32 checksums when the client sends them (the SDK default, WHEN_SUPPORTED)', async () => {
      const client = new S3Client({
        endpoint: server.endpoint,
        region: server.region,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        forcePathStyle: true,
      });
      const storage = createS3Storage(`s3://${testBucket}/checksums`, { getS3Client: () => client });
      const body = generatedBody(11 * MiB, { seed: 5 });
      await storage.put('objects/pack/pack-crc.pack', body);
      expect(await sha256Of((await storage.get('objects/pack/pack-crc.pack')).body)).toBe(body.digest());
      await storage.put('HEAD', text('ref: refs/heads/main\n'));
      expect((await storage.head('HEAD')).size).toBe(21);
    });

    it('retries 503 SlowDown, 500 and connection resets, then succeeds', async () => {
      const faults: Fault[] = [{ status: 503, code: 'SlowDown' }, 'reset', { status: 500, code: 'InternalError' }];
      await withProxy(
        (index) => faults[index] ?? 'forward',
        async (proxy) => {
          const storage = storageThrough(proxy.endpoint, 4);
          await storage.put('retried', text('made it'));
          expect(proxy.requests).toHaveLength(4);
          expect((await storage.head('retried')).size).toBe(7);
        },
      );
    });

    it('gives up after maxAttempts with ThrottledError when the server keeps saying SlowDown', async () => {
      await withProxy(
        () => ({ status: 503, code: 'SlowDown' }),
        async (proxy) => {
          const error = await storageThrough(proxy.endpoint, 3).put('never', text('x')).catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(ThrottledError);
          expect(error).toMatchObject({ code: 'THROTTLED', key: 'never' });
          expect(proxy.requests).toHaveLength(3);
        },
      );
    });

    it('maps 403 to AccessDeniedError without credentials in the message', async () => {
      await withProxy(
        () => ({ status: 403, code: 'AccessDenied' }),
        async (proxy) => {
          const error = await storageThrough(proxy.endpoint, 3).head('secret-place').catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(AccessDeniedError);
          expect(proxy.requests).toHaveLength(1);
          expect(String((error as Error).message)).not.toContain(server.secretAccessKey || 'testing');
          expect(String((error as Error).message)).not.toContain(server.accessKeyId || 'testing');
        },
      );
    });

    it('reports a missing bucket as BucketNotFoundError naming it, never as a lost condition', async () => {
      const storage = createS3Storage(`s3://${testBucket}-gone/mirror`, { getS3Client: () => createTestS3Client(server) });
      const attempts = [
        () => storage.put('HEAD', text('ref: refs/heads/main\n')),
        () => storage.put('info/refs', text(''), { ifMatch: '"0123456789abcdef0123456789abcdef"' }),
        () => storage.put('objects/info/packs', text(''), { ifNoneMatch: '*' }),
        () => storage.put('objects/pack/tmp_pack_1', generatedBody(6 * MiB, { seed: 3 })),
        () => storage.getRange('objects/pack/pack-1.pack', 0, 12),
        () => storage.get('info/refs'),
      ];
      for (const attempt of attempts) {
        const error = await attempt().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(BucketNotFoundError);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ code: 'BUCKET_NOT_FOUND' });
        expect((error as Error).message).toContain(`the bucket ${testBucket}-gone does not exist`);
      }
    });

    it('recognises its own conditional write when the response was lost and the retry got 412', async () => {
      const storage = createS3Storage(`s3://${testBucket}/lost-response`, { getS3Client: () => createTestS3Client(server), unquotedIfMatch: slot.name === 'radosgw' });
      const { etag } = await storage.put('info/refs', text('old\n'));
      let dropped = 0;
      const proxy = await startFaultProxy(server.endpoint, (request) => (request.method === 'PUT' && dropped++ === 0 ? 'drop-response' : 'forward'));
      try {
        const through = createS3Storage(`s3://${testBucket}/lost-response`, {
          getS3Client: () => createTestS3Client(server, { endpoint: proxy.endpoint, maxAttempts: 3 }),
          unquotedIfMatch: slot.name === 'radosgw',
        });
        const written = await through.put('info/refs', text('new\n'), { ifMatch: etag });
        expect(proxy.requests.filter((line) => line.startsWith('PUT '))).toHaveLength(2);
        expect(written.etag).toBe((await storage.head('info/refs')).etag);
        dropped = 0;
        await through.put('objects/info/packs', text('P pack-1.pack\n\n'), { ifNoneMatch: '*' });
        expect(Buffer.from(await bytesOf((await storage.get('objects/info/packs')).body)).toString()).toBe('P pack-1.pack\n\n');
        const other = await through.put('info/refs', text('theirs\n'), { ifMatch: etag }).catch((caught: unknown) => caught);
        expect(other).toMatchObject({ code: 'PRECONDITION_FAILED' });
      } finally {
        await proxy.close();
      }
    });

    it('recognises its own multipart write when the CompleteMultipartUpload response was lost', async () => {
      const storage = createS3Storage(`s3://${testBucket}/lost-complete`, { getS3Client: () => createTestS3Client(server) });
      let dropped = 0;
      const proxy = await startFaultProxy(server.endpoint, (request) =>
        request.method === 'POST' && request.url?.includes('uploadId=') && dropped++ === 0 ? 'drop-response' : 'forward',
      );
      try {
        const through = createS3Storage(`s3://${testBucket}/lost-complete`, {
          getS3Client: () => createTestS3Client(server, { endpoint: proxy.endpoint, maxAttempts: 3 }),
        });
        const body = generatedBody(6 * MiB, { seed: 9 });
        const written = await through.put('objects/pack/pack-big.pack', body, { ifNoneMatch: '*' });
        expect(dropped).toBeGreaterThanOrEqual(2);
        expect(written.etag.replaceAll('"', '')).toBe((await storage.head('objects/pack/pack-big.pack')).etag.replaceAll('"', ''));
        expect(await sha256Of((await storage.get('objects/pack/pack-big.pack')).body)).toBe(body.digest());
        expect(await multipartUploadsIn(admin, testBucket, 'lost-complete/')).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('lists incomplete multipart uploads and aborts only those idle since the cutoff', async () => {
      const client = createTestS3Client(server);
      const storage = createS3Storage(`s3://${testBucket}/incomplete`, { getS3Client: () => client });
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: testBucket, Key: 'incomplete/objects/pack/tmp_pack_killed' }));
      await client.send(new CreateMultipartUploadCommand({ Bucket: testBucket, Key: 'elsewhere/objects/pack/tmp_pack_other' }));
      const listed = [];
      for await (const upload of storage.listIncompleteUploads('objects/')) listed.push(upload);
      expect(listed.map(({ kind, key }) => ({ kind, key }))).toEqual([{ kind: 'multipart-upload', key: 'objects/pack/tmp_pack_killed' }]);
      // moto reports every upload as initiated in 2010; the time of its newest part is what keeps it.
      if (slot.name !== 'moto') expect(Math.abs(listed[0].lastActivity.getTime() - Date.now())).toBeLessThan(120_000);
      await client.send(
        new UploadPartCommand({ Bucket: testBucket, Key: 'incomplete/objects/pack/tmp_pack_killed', UploadId, PartNumber: 1, Body: text('part') }),
      );
      expect(await storage.abortIncompleteUploads('', new Date(Date.now() - 3_600_000))).toEqual([]);
      const aborted = await storage.abortIncompleteUploads('', new Date(Date.now() + 120_000));
      expect(aborted.map(({ key }) => key)).toEqual(['objects/pack/tmp_pack_killed']);
      expect(await multipartUploadsIn(admin, testBucket, 'incomplete/')).toEqual([]);
      expect(await multipartUploadsIn(admin, testBucket, 'elsewhere/')).toHaveLength(1);
    });

    it('gives listed and headed objects their modification time', async () => {
      const storage = createS3Storage(`s3://${testBucket}/times`, { getS3Client: () => createTestS3Client(server) });
      await storage.put('HEAD', text('ref: refs/heads/main\n'));
      const info = await storage.head('HEAD');
      expect(Math.abs(info.lastModified!.getTime() - Date.now())).toBeLessThan(120_000);
      // HEAD answers in whole seconds (an HTTP date), a listing in milliseconds.
      for await (const listed of storage.list('')) expect(Math.abs(listed.lastModified!.getTime() - info.lastModified!.getTime())).toBeLessThan(1000);
    });

    // moto accepts any signature, so only radosgw can refuse a wrong secret.
    if (slot.name === 'radosgw') it('rejects a wrong secret key with AccessDeniedError that does not quote the key', async () => {
      const secretAccessKey = 'not-the-secret-0123456789abcdefghijklmnop';
      const storage = createS3Storage(`s3://${testBucket}/denied`, {
        getS3Client: () => createTestS3Client({ ...server, secretAccessKey }),
      });
      const error = await storage.put('HEAD', text('ref: refs/heads/main\n')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error).toMatchObject({ key: 'HEAD' });
      expect((error as Error).message).not.toContain(secretAccessKey);
      expect((error as Error).message).toContain('s3://');
    });

    it('builds its client from the AWS environment, including AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL', async () => {
      const saved = { ...process.env };
      try {
        Object.assign(process.env, {
          AWS_ACCESS_KEY_ID: server.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
          AWS_REGION: server.region,
          AWS_ENDPOINT_URL_S3: server.endpoint,
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        });
        const options = { s3: { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const } };
        const viaS3Variable = await openStorage(`s3://${testBucket}/from-env`, options);
        await viaS3Variable.put('HEAD', text('ref: refs/heads/main\n'));
        delete process.env.AWS_ENDPOINT_URL_S3;
        process.env.AWS_ENDPOINT_URL = server.endpoint;
        const viaGenericVariable = await openStorage(`s3://${testBucket}/from-env`, options);
        expect((await viaGenericVariable.head('HEAD')).size).toBe(21);
        await expect(viaGenericVariable.head('nothing')).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
      }
    });
  });
}
