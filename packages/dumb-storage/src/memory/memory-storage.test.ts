import { describeStorageContract } from '../test-support/contract-suite.js';
import { createMemoryStorage } from './memory-storage.js';

describeStorageContract('memory', async () => createMemoryStorage('contract'));
