import { PACK_HEADER_LENGTH, readPackHeader } from '@gitmirror/git-pack-stream';
import { TransportError } from '../errors.js';

/**
 * Passes a pack stream through, failing with `LIMIT_EXCEEDED` (its message ending with `remedy`, if given) before any
 * entry when its header declares more than `maxObjects` objects. The indexer's object table grows to at most the
 * declared count (git-pack-stream refuses entries past it), so together they bound the table: 46 bytes an object.
 */
export async function* capPackObjects(source: AsyncIterable<Uint8Array>, maxObjects: number, url: string, remedy?: string): AsyncGenerator<Uint8Array> {
  const header = new Uint8Array(PACK_HEADER_LENGTH);
  let seen = 0;
  for await (const chunk of source) {
    if (seen < PACK_HEADER_LENGTH) {
      const take = Math.min(chunk.byteLength, PACK_HEADER_LENGTH - seen);
      header.set(chunk.subarray(0, take), seen);
      seen += take;
      if (seen === PACK_HEADER_LENGTH) {
        const declared = readPackHeader(header).objectCount;
        if (declared > maxObjects) {
          const message = `${url}: the pack declares ${declared} objects, more than the limit of ${maxObjects}`;
          throw new TransportError('LIMIT_EXCEEDED', remedy ? `${message}; ${remedy}` : message);
        }
      }
    }
    yield chunk;
  }
}
