import { PackError } from './errors.js';
import { readIdx } from './idx-reader.js';
import { sortByIds } from './idx-writer.js';
import { compareIds } from './object-id.js';
import { PACK_HEADER_LENGTH, PACK_TRAILER_LENGTH } from './pack-format.js';
import { indexOfSorted } from './sorted-search.js';

/** A pack to merge, as its index describes it. */
export interface MergeInput {
  /** The pack's version-2 `.idx`. */
  idx: Uint8Array;
  /** Bytes in the pack, trailer included. */
  packSize: number;
}

/** One pack's share of a {@link MergePlan}: its entries in pack order, and which of them the merged pack keeps. */
export interface MergeSourcePlan {
  objectCount: number;
  packSize: number;
  /** 40 hex, the trailer the pack must end with. */
  packChecksum: string;
  /** Global object numbers of the pack's entries, by ascending offset. */
  entries: Uint32Array;
  /** Offsets of {@link entries}, ascending. */
  offsets: Float64Array;
  /** Entries of this pack the merged pack keeps. */
  kept: number;
}

/**
 * Which entries of several packs a merged pack keeps: every object once, the copy in the first pack (in the order
 * given) that holds it. Objects are numbered globally, pack after pack, each pack's objects in id order.
 *
 * Keeping the first copy is also what keeps the merged pack free of delta cycles: a delta whose base copy is dropped
 * points to a copy in an earlier pack, and inside one pack deltas form no cycle, so no chain of bases returns to where
 * it started.
 */
export class MergePlan {
  /** 20 bytes per object, pack after pack. */
  readonly ids: Uint8Array;
  /** The CRC32 of each object's entry in its pack. */
  readonly crc32s: Uint32Array;
  /** 1 where the merged pack keeps the object. */
  readonly keep: Uint8Array;
  /** Kept objects, in ascending id order: the order of the merged pack's index. */
  readonly keptByIds: Uint32Array;
  readonly sources: readonly MergeSourcePlan[];
  /** The first global object number of each pack, and the total at the end. */
  readonly #firsts: Uint32Array;

  constructor(inputs: readonly MergeInput[]) {
    const indexes = inputs.map((input) => readIdx(input.idx, { packSize: input.packSize }));
    this.#firsts = new Uint32Array(indexes.length + 1);
    indexes.forEach((index, s) => (this.#firsts[s + 1] = this.#firsts[s]! + index.objectCount));
    const total = this.#firsts[indexes.length]!;
    this.ids = new Uint8Array(total * 20);
    this.crc32s = new Uint32Array(total);
    this.sources = indexes.map((index, s) => {
      const first = this.#firsts[s]!;
      const columns = index.columns();
      this.ids.set(columns.ids, first * 20);
      this.crc32s.set(columns.crc32s, first);
      const byOffset = Uint32Array.from({ length: index.objectCount }, (_, i) => i).sort((a, b) => columns.offsets[a]! - columns.offsets[b]!);
      const offsets = new Float64Array(index.objectCount);
      const entries = new Uint32Array(index.objectCount);
      byOffset.forEach((i, k) => {
        offsets[k] = columns.offsets[i]!;
        entries[k] = first + i;
        if (k > 0 && offsets[k] === offsets[k - 1]) throw new PackError('BAD_IDX', `two objects of pack ${index.packChecksum} share offset ${offsets[k]}`);
      });
      if (index.objectCount > 0 && offsets[0] !== PACK_HEADER_LENGTH) throw new PackError('BAD_IDX', `the first entry of pack ${index.packChecksum} is not right after its header`);
      return { objectCount: index.objectCount, packSize: inputs[s]!.packSize, packChecksum: index.packChecksum, entries, offsets, kept: 0 };
    });

    // A stable sort: of equal ids, the copy in the earliest pack comes first, and is the one kept.
    const order = sortByIds(this.ids, total);
    this.keep = new Uint8Array(total);
    let kept = 0;
    for (let k = 0; k < total; k++) {
      const object = order[k]!;
      if (k > 0 && compareIds(this.ids, order[k - 1]! * 20, this.ids, object * 20) === 0) continue;
      this.keep[object] = 1;
      order[kept++] = object;
    }
    this.keptByIds = order.subarray(0, kept);
    for (let s = 0; s < this.sources.length; s++) {
      let count = 0;
      for (let object = this.#firsts[s]!; object < this.#firsts[s + 1]!; object++) count += this.keep[object]!;
      (this.sources[s] as MergeSourcePlan).kept = count;
    }
  }

  /** Objects the merged pack holds. */
  get objectCount(): number {
    return this.keptByIds.length;
  }

  /** Where entry `k` (in pack order) of pack `source` ends: where the next begins, or the trailer. */
  entryEnd(source: number, k: number): number {
    const plan = this.sources[source]!;
    return k + 1 < plan.objectCount ? plan.offsets[k + 1]! : plan.packSize - PACK_TRAILER_LENGTH;
  }

  /** The position (in pack order) of the entry at `offset` of pack `source`, or -1 when no entry starts there. */
  entryAt(source: number, offset: number): number {
    return indexOfSorted(this.sources[source]!.offsets, offset);
  }
}
