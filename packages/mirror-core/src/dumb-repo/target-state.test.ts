import { BucketNotFoundError } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { describe, expect, it } from 'vitest';
import { readTargetState } from './target-state.js';

describe('readTargetState', () => {
  it('reads an empty storage as a new mirror', async () => {
    expect(await readTargetState(createMemoryStorage())).toEqual({ refs: [], packs: [], infoRefs: undefined, packsList: undefined, head: undefined, packedRefsEtag: undefined });
  });

  it('fails on a missing bucket instead of reading it as a new mirror', async () => {
    const missing = new BucketNotFoundError('get info/refs in s3://gone/m/: the bucket gone does not exist (NoSuchBucket, HTTP 404)');
    const storage = Object.assign(createMemoryStorage(), { get: async () => Promise.reject(missing) });
    await expect(readTargetState(storage)).rejects.toBe(missing);
  });
});
