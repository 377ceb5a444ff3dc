import { LocalSyncQueue } from './sync-queue.js';
import { describeSyncQueue } from './test-support/sync-queue-contract.js';

describeSyncQueue('LocalSyncQueue', async (job, options) => new LocalSyncQueue(job, options));
