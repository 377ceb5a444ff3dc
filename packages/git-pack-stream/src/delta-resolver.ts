import { applyDeltaInto, readDeltaHeader } from './delta.js';
import type { BaseCache } from './base-cache.js';
import { PackError } from './errors.js';
import { allocateFramedObject } from './object-id.js';

/**
 * Applies `delta` (of entry at pack `offset`) to `base`, an object of entry type `type`, refusing
 * results over `maxObjectSize` before allocating them. The result is framed for
 * {@link writeFramedObjectId}, in space from `cache` when it fits, ready for `cache.set`.
 */
export function undelta(type: number, base: Uint8Array, delta: Uint8Array, offset: number, maxObjectSize: number, cache: BaseCache): Uint8Array {
  const header = readDeltaHeader(delta, offset);
  if (header.resultSize > maxObjectSize) {
    throw new PackError('OBJECT_TOO_LARGE', `delta declares a ${header.resultSize}-byte result, over the ${maxObjectSize}-byte limit`, offset);
  }
  const target = allocateFramedObject(type, header.resultSize, (length) => cache.allocate(length, base) ?? Buffer.allocUnsafe(length));
  return applyDeltaInto(base, delta, header, target, offset);
}
