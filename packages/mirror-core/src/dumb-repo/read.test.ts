import { BucketNotFoundError, type Storage } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { describe, expect, it } from 'vitest';
import { readOptional } from './read.js';

describe('readOptional', () => {
  it('reads an object, and is undefined for a missing one', async () => {
    const storage = createMemoryStorage();
    await storage.put('HEAD', Buffer.from('ref: refs/heads/main\n'));
    expect(await readOptional(storage, 'HEAD')).toBe('ref: refs/heads/main\n');
    expect(await readOptional(storage, 'info/refs')).toBeUndefined();
  });

  it('fails for a missing bucket rather than reading it as a missing object', async () => {
    const storage = createMemoryStorage();
    const noBucket: Storage = Object.assign(Object.create(storage) as Storage, {
      get: async () => Promise.reject(new BucketNotFoundError('the bucket does not exist')),
    });
    await expect(readOptional(noBucket, 'HEAD')).rejects.toMatchObject({ code: 'BUCKET_NOT_FOUND' });
  });
});
