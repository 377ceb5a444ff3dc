import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';

const loaded = vi.hoisted(() => ({ s3: false }));
vi.mock('./s3/s3-storage.js', async (importOriginal) => {
  loaded.s3 = true;
  return importOriginal();
});

it('loads the S3 sink (and the AWS SDK with it) only when an s3:// URL is opened', async () => {
  const { openStorage } = await import('./open-storage.js');
  const root = await mkdtemp(join(tmpdir(), 'dumb-storage-lazy-'));
  try {
    await (await openStorage(root)).put('HEAD', new TextEncoder().encode('ref: refs/heads/main\n'));
    await openStorage('memory:');
    expect(loaded.s3).toBe(false);
    await openStorage('s3://bucket/prefix', { s3: { forcePathStyle: true } });
    expect(loaded.s3).toBe(true);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
