import { TransportError } from '../errors.js';

/**
 * Default cap on the objects a fetched pack may declare: 50 million, several times the largest public repositories
 * (the Linux kernel has about 10 million objects). The indexer keeps 46 bytes of metadata per object, about 2.3 GB at
 * the cap; a pack declaring 2^32-1 objects and then streaming tiny blobs forever grows that table by about four times
 * the bytes received (measured: 40 MiB of such a pack, 3.6 million objects, took 170 MiB), with no other limit.
 */
export const DEFAULT_MAX_PACK_OBJECTS = 50_000_000;

const HEADER_LENGTH = 12;

/**
 * Passes a pack stream through, failing with `LIMIT_EXCEEDED` before any entry when its header declares more than
 * `maxObjects` objects. The indexer refuses entries past the declared count, so together they bound its object table.
 */
export async function* capPackObjects(source: AsyncIterable<Uint8Array>, maxObjects: number, url: string): AsyncGenerator<Uint8Array> {
  const header = new Uint8Array(HEADER_LENGTH);
  let seen = 0;
  for await (const chunk of source) {
    if (seen < HEADER_LENGTH) {
      const take = Math.min(chunk.byteLength, HEADER_LENGTH - seen);
      header.set(chunk.subarray(0, take), seen);
      seen += take;
      if (seen === HEADER_LENGTH) {
        const declared = new DataView(header.buffer).getUint32(8);
        if (declared > maxObjects) {
          throw new TransportError('LIMIT_EXCEEDED', `${url}: the pack declares ${declared} objects, more than the limit of ${maxObjects}`);
        }
      }
    }
    yield chunk;
  }
}
