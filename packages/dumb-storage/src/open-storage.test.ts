import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidUrlError } from './errors.js';
import { FsStorage } from './fs/fs-storage.js';
import { MemoryStorage } from './memory/memory-storage.js';
import { openStorage } from './open-storage.js';
import { S3Storage } from './s3/s3-storage.js';

const root = await mkdtemp(join(tmpdir(), 'dumb-storage-open-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('openStorage', () => {
  it('opens a folder from a file URL, an absolute path and a relative path', async () => {
    for (const url of [pathToFileURL(root).href, root, relative(process.cwd(), root)]) {
      const storage = await openStorage(url);
      expect(storage, url).toBeInstanceOf(FsStorage);
      expect(storage.url).toBe(pathToFileURL(root).href);
    }
    await (await openStorage(root)).put('info/refs', new TextEncoder().encode('x\n'));
    expect(await readFile(join(root, 'info', 'refs'), 'utf8')).toBe('x\n');
  });

  it('opens a new memory sink for memory: URLs', async () => {
    const storage = await openStorage('memory:tests');
    expect(storage).toBeInstanceOf(MemoryStorage);
    expect(storage.url).toBe('memory:tests');
  });

  it('opens the S3 sink with the given client and a normalized prefix', async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    const storage = await openStorage('s3://bucket/mirrors/repo.git/', { getS3Client: () => client });
    expect(storage).toBeInstanceOf(S3Storage);
    expect((storage as S3Storage).client).toBe(client);
    expect(storage.url).toBe('s3://bucket/mirrors/repo.git/');
    expect((await openStorage('s3://bucket', { getS3Client: () => client })).url).toBe('s3://bucket/');
  });

  it('rejects other schemes and malformed S3 URLs with InvalidUrlError, never echoing credentials', async () => {
    for (const url of ['ftp://user:hunter2@host/x', 's3://key:hunter2@bucket/x', 's3://bucket/a/../b', 's3:///no-bucket', 'file://remote-host/x']) {
      const error = await openStorage(url).catch((caught: unknown) => caught);
      expect(error, url).toBeInstanceOf(InvalidUrlError);
      expect(error, url).toMatchObject({ code: 'INVALID_URL' });
      expect((error as Error).message, url).not.toContain('hunter2');
    }
  });
});
