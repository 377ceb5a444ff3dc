import { applyDeltaInto, type DeltaHeader } from './delta.js';
import type { BaseCache } from './base-cache.js';
import { allocateFramedObject } from './object-id.js';

/**
 * Applies `delta` (of entry at pack `offset`, whose sizes are `header`) to `base`, an object of
 * entry type `type`. The result is framed for {@link writeFramedObjectId}, in space from `cache`
 * when it fits, ready for `cache.set`.
 */
export function undelta(type: number, base: Uint8Array, delta: Uint8Array, header: DeltaHeader, offset: number, cache: BaseCache): Uint8Array {
  const target = allocateFramedObject(type, header.resultSize, (length) => cache.allocate(length, base) ?? Buffer.allocUnsafe(length));
  return applyDeltaInto(base, delta, header, target, offset);
}
