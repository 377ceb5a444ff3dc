import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorageContract } from '../test-support/contract-suite.js';
import { createFsStorage } from './fs-storage.js';

const root = await mkdtemp(join(tmpdir(), 'dumb-storage-fs-'));

describeStorageContract('filesystem', async () => createFsStorage(root), {
  storesContentType: false,
  leftovers: async (prefix) => (await readdir(join(root, prefix), { recursive: true })).filter((name) => name.includes('.gitmirror-')),
  cleanup: () => rm(root, { recursive: true, force: true }),
});
