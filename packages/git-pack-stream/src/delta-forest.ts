import { compareIds } from './object-id.js';
import type { ObjectColumns } from './object-table.js';

/** REF deltas met while streaming: entry indices and the 20-byte ids of their bases. */
export class RefDeltaList {
  count = 0;
  indices = new Int32Array(64);
  baseIds = new Uint8Array(64 * 20);

  add(index: number, baseId: Uint8Array): void {
    if (this.count === this.indices.length) {
      const indices = new Int32Array(this.count * 2);
      indices.set(this.indices);
      const baseIds = new Uint8Array(this.count * 40);
      baseIds.set(this.baseIds);
      this.indices = indices;
      this.baseIds = baseIds;
    }
    this.indices[this.count] = index;
    this.baseIds.set(baseId, this.count * 20);
    this.count++;
  }
}

/**
 * What is left to resolve once the pack has streamed in, as a forest: OFS deltas hang off their
 * base entry, and REF deltas wait, sorted by base id, for an entry with that id to be resolved.
 * Entries are `needed` if they are unresolved or lie on the way from a non-delta root to one: the
 * resolvers rebuild each needed entry once, walking down from the roots, as `git index-pack` does.
 * All arrays are in shared memory for the resolver workers.
 */
export interface DeltaForest {
  /** OFS deltas on entry `i` are `ofsChildren[ofsChildStart[i] .. ofsChildStart[i + 1])`. */
  ofsChildStart: Int32Array;
  ofsChildren: Int32Array;
  /** Unresolved REF deltas, sorted by base id. */
  refChildren: Int32Array;
  /** Base ids of `refChildren`, 20 bytes each. */
  refBaseIds: Uint8Array;
  /** 1 for entries to visit. */
  needed: Uint8Array;
  /** Needed non-delta entries, in pack order: where the walks start. */
  roots: Int32Array;
  /** Deltas to resolve. */
  pending: number;
}

function shared<T extends Int32Array | Uint8Array>(Type: new (buffer: SharedArrayBuffer) => T, length: number, width: number): T {
  return new Type(new SharedArrayBuffer(Math.max(length, 1) * width));
}

/** Builds the forest of what is left to resolve. */
export function buildDeltaForest(columns: ObjectColumns, refs: RefDeltaList): DeltaForest {
  const { count, types, bases } = columns;
  const ofsChildStart = shared(Int32Array, count + 1, 4);
  for (let i = 0; i < count; i++) if (bases[i]! >= 0) ofsChildStart[bases[i]! + 1]!++;
  for (let i = 0; i < count; i++) ofsChildStart[i + 1]! += ofsChildStart[i]!;
  const ofsChildren = shared(Int32Array, ofsChildStart[count]!, 4);
  const fill = Int32Array.from(ofsChildStart.subarray(0, count));
  for (let i = 0; i < count; i++) if (bases[i]! >= 0) ofsChildren[fill[bases[i]!]!++] = i;

  const refOrder = new Int32Array(refs.count);
  for (let k = 0; k < refs.count; k++) refOrder[k] = k;
  refOrder.sort((a, b) => compareIds(refs.baseIds, a * 20, refs.baseIds, b * 20));
  const refChildren = shared(Int32Array, refs.count, 4).subarray(0, refs.count);
  const refBaseIds = shared(Uint8Array, refs.count, 20);
  for (let k = 0; k < refs.count; k++) {
    refChildren[k] = refs.indices[refOrder[k]!]!;
    refBaseIds.set(refs.baseIds.subarray(refOrder[k]! * 20, refOrder[k]! * 20 + 20), k * 20);
  }

  // Unresolved deltas and the bases of waiting REF deltas are needed, and so is every entry on the
  // way to them from a non-delta root. OFS bases come before their deltas, so one backward pass does.
  const needed = shared(Uint8Array, count, 1);
  let pending = 0;
  for (let i = 0; i < count; i++) {
    if (types[i] === 0) {
      needed[i] = 1;
      pending++;
    } else if (refs.count > 0 && refChildRange({ refChildren, refBaseIds }, columns.ids, i * 20)[0] >= 0) {
      needed[i] = 1;
    }
  }
  const roots: number[] = [];
  for (let i = count - 1; i >= 0; i--) {
    if (needed[i] === 0) continue;
    if (bases[i]! >= 0) needed[bases[i]!] = 1;
    else if (types[i] !== 0) roots.push(i);
  }
  return { ofsChildStart, ofsChildren, refChildren, refBaseIds, needed, roots: Int32Array.from(roots.reverse()), pending };
}

/** Positions `[first, end)` in `forest.refChildren` of the REF deltas whose base id is `ids[at..at+20)`; first is -1 if none. */
export function refChildRange(forest: Pick<DeltaForest, 'refChildren' | 'refBaseIds'>, ids: Uint8Array, at: number): [number, number] {
  const { refBaseIds } = forest;
  let low = 0;
  let high = forest.refChildren.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareIds(refBaseIds, middle * 20, ids, at) < 0) low = middle + 1;
    else high = middle;
  }
  let end = low;
  while (end < forest.refChildren.length && compareIds(refBaseIds, end * 20, ids, at) === 0) end++;
  return end > low ? [low, end] : [-1, -1];
}
