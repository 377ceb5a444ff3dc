import { describe, expect, it } from 'vitest';
import { describeStorageContract } from '../test-support/contract-suite.js';
import { createMemoryStorage } from './memory-storage.js';

describeStorageContract('memory', async () => createMemoryStorage('contract'));

describe('memory sink', () => {
  it('keeps its own copy of the bytes it was given', async () => {
    const storage = createMemoryStorage();
    const bytes = new TextEncoder().encode('abc');
    await storage.put('HEAD', bytes);
    bytes[0] = 0x7a;
    expect(new TextDecoder().decode(await storage.getRange('HEAD', 0, 3))).toBe('abc');
  });
});
