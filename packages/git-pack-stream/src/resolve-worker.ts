import { parentPort } from 'node:worker_threads';
import { BaseCache } from './base-cache.js';
import { forEachEntry, type EntryBatch } from './entry-batch.js';
import { DeltaStore } from './delta-store.js';
import { PackError } from './errors.js';
import { LinkSet } from './object-links.js';
import { StreamResolver } from './stream-resolver.js';
import type { FromWorker, ToWorker } from './worker-pool.js';

const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

let cache: BaseCache | undefined;
let streamResolver: StreamResolver | undefined;
let links: LinkSet | undefined;

const resolvedIndices: number[] = [];
const resolvedTypes: number[] = [];
const resolvedIds: Uint8Array[] = [];

function stream(batch: EntryBatch): void {
  forEachEntry(batch, (index, type, base, offset, data) => {
    if (type !== 0) streamResolver!.object(index, type, data);
    else streamResolver!.delta(index, base, data, offset);
  });
  const ids = new Uint8Array(resolvedIds.length * 20);
  resolvedIds.forEach((id, k) => ids.set(id, k * 20));
  const message = { kind: 'streamed', indices: Int32Array.from(resolvedIndices), types: Uint8Array.from(resolvedTypes), ids, data: batch.data, peakCacheBytes: cache!.peakBytes } as const;
  resolvedIndices.length = resolvedTypes.length = resolvedIds.length = 0;
  port.postMessage(message, [message.indices.buffer, message.types.buffer, ids.buffer, batch.data.buffer as ArrayBuffer]);
}

function sendError(error: Error): void {
  send(
    error instanceof PackError
      ? { kind: 'error', message: error.reason, code: error.code, offset: error.offset }
      : { kind: 'error', message: error.message },
  );
}

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'stream-setup':
      cache = new BaseCache(message.handover.cache);
      if (message.collectLinks) links = new LinkSet();
      streamResolver = new StreamResolver(
        cache,
        new DeltaStore(message.store),
        message.maxObjectSize,
        (index, type, id) => {
          resolvedIndices.push(index);
          resolvedTypes.push(type);
          resolvedIds.push(Uint8Array.prototype.slice.call(id));
        },
        message.handover.types,
        links && ((type, content) => links!.add(type, content)),
      );
      break;
    case 'links': {
      const ids = links?.ids() ?? new Uint8Array(0);
      port.postMessage({ kind: 'links', ids } satisfies FromWorker);
      break;
    }
    case 'exit':
      port.close();
      break;
    case 'stream':
      try {
        stream(message.batch);
      } catch (error) {
        sendError(error as Error);
      }
      break;
  }
});
