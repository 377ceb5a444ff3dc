import { parentPort } from 'node:worker_threads';
import { BaseCache } from './base-cache.js';
import { ForestResolver } from './delta-resolver.js';
import { EntryReader } from './entry-reader.js';
import { PackError } from './errors.js';
import type { FromWorker, ToWorker } from './worker-pool.js';

const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

const pendingReads = new Map<number, { resolve: (chunks: Uint8Array[]) => void; reject: (error: Error) => void }>();
let nextReadId = 0;
const readRanges = (ranges: readonly (readonly [number, number])[]) =>
  new Promise<Uint8Array[]>((resolve, reject) => {
    const id = nextReadId++;
    pendingReads.set(id, { resolve, reject });
    send({ kind: 'read', id, ranges: ranges.map(([offset, length]) => [offset, length]) });
  });

let cache: BaseCache;
let reader: EntryReader;
let resolver: ForestResolver;

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'setup': {
      const { columns, forest, cacheBytes, batchBytes, maxObjectSize } = message.setup;
      cache = new BaseCache(cacheBytes);
      reader = new EntryReader(readRanges, columns, { batchBytes });
      resolver = new ForestResolver(columns, forest, cache, reader, maxObjectSize);
      break;
    }
    case 'read': {
      const pending = pendingReads.get(message.id)!;
      pendingReads.delete(message.id);
      if (message.chunks) pending.resolve(message.chunks);
      else pending.reject(new Error(message.error));
      break;
    }
    case 'resolve':
      resolver.resolve(message.roots, (resolved) => send({ kind: 'progress', resolved })).then(
        () => send({ kind: 'done', resolved: resolver.resolved }),
        (error: Error) =>
          send(
            error instanceof PackError
              ? { kind: 'error', message: error.reason, code: error.code, offset: error.offset }
              : { kind: 'error', message: error.message },
          ),
      );
      break;
    case 'finish':
      resolver.close();
      send({ kind: 'stats', peakCacheBytes: cache.peakBytes, reads: reader.reads });
      port.close();
      break;
  }
});
