import { parentPort, workerData } from 'node:worker_threads';
import { BaseCache } from './base-cache.js';
import { ForestResolver } from './delta-resolver.js';
import { EntryReader } from './entry-reader.js';
import { PackError } from './errors.js';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-pool.js';

const port = parentPort!;
const { columns, forest, cacheBytes, batchBytes, maxObjectSize } = workerData as WorkerSetup;
const send = (message: FromWorker) => port.postMessage(message);

const pendingReads = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();
let nextReadId = 0;
const read = (offset: number, length: number) =>
  new Promise<Uint8Array>((resolve, reject) => {
    const id = nextReadId++;
    pendingReads.set(id, { resolve, reject });
    send({ kind: 'read', id, offset, length });
  });

const cache = new BaseCache(cacheBytes);
const reader = new EntryReader(read, columns, { batchBytes });
const resolver = new ForestResolver(columns, forest, cache, reader, maxObjectSize);

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'read': {
      const pending = pendingReads.get(message.id)!;
      pendingReads.delete(message.id);
      if (message.bytes) pending.resolve(message.bytes);
      else pending.reject(new Error(message.error));
      break;
    }
    case 'resolve':
      resolver.resolve(message.roots, (resolved) => send({ kind: 'progress', resolved })).then(
        () => send({ kind: 'done', resolved: resolver.resolved }),
        (error: Error) =>
          send(error instanceof PackError ? { kind: 'error', message: error.message, code: error.code, offset: error.offset } : { kind: 'error', message: error.message }),
      );
      break;
    case 'finish':
      resolver.close();
      send({ kind: 'stats', peakCacheBytes: cache.peakBytes, reads: reader.reads });
      port.close();
      break;
  }
});
