import { randomBytes } from 'node:crypto';
import { redisTestServer } from '@gitmirror/test-servers';
import { RedisSyncQueue } from './redis-sync-queue.js';
import { describeSyncQueue } from './test-support/sync-queue-contract.js';

const { url, skipReason } = redisTestServer();

// A prefix per queue: each test gets a queue of its own in the shared Redis.
describeSyncQueue(
  'RedisSyncQueue',
  url ? async (job, options) => RedisSyncQueue.open(job, { url, concurrency: options.concurrency, attempts: 1, prefix: `test-${randomBytes(6).toString('hex')}` }) : undefined,
  skipReason,
);
