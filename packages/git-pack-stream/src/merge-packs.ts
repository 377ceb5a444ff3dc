import { createHash } from 'node:crypto';
import { EntryCopier, type MergedOutput } from './entry-copier.js';
import { encodeIdxV2 } from './idx-writer.js';
import { MergePlan, type MergeInput } from './merge-plan.js';
import { writePackHeader } from './pack-format.js';

/** Opens the bytes of source pack `source` (its position in the inputs), from its first byte to its trailer. */
export type OpenSourcePack = (source: number, signal?: AbortSignal) => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;

/** What {@link PackMerger.stream} wrote, once it has ended. */
export interface MergedPack {
  /** 40 hex, the merged pack's trailer. */
  packChecksum: string;
  /** Its version-2 index, byte-identical to `git index-pack`'s. */
  idx: Uint8Array;
  objectCount: number;
  packSize: number;
  /** Copies dropped because an earlier source holds the same object. */
  duplicates: number;
  /** Entry headers rewritten: OFS deltas whose base moved, OFS deltas turned into REF deltas (base copy dropped). */
  rewritten: { ofs: number; ref: number };
}

/**
 * Merges packs into one without inflating anything: entries are copied as they are stored, each object once (the
 * copy in the earliest source holding it), sources one after the other, each read once from start to end. The plan
 * is made from the sources' indexes when the merger is built (a malformed index throws `BAD_IDX` then); the bytes
 * flow through {@link stream}, whose consumer sets the pace; {@link result} gives the index once it has ended.
 * Memory: about 50 bytes per object of the sources, and a chunk or two in flight.
 */
export class PackMerger {
  readonly #plan: MergePlan;
  #merged?: MergedPack;

  constructor(inputs: readonly MergeInput[]) {
    this.#plan = new MergePlan(inputs);
  }

  /** Objects the merged pack will hold. */
  get objectCount(): number {
    return this.#plan.objectCount;
  }

  /** The sources {@link stream} opens, in the order it opens them: those holding an object the merged pack keeps. */
  get sourcesToRead(): number[] {
    return this.#plan.sources.flatMap((source, s) => (source.kept > 0 ? [s] : []));
  }

  /** Objects in the sources, duplicates included. */
  get sourceObjectCount(): number {
    return this.#plan.keep.length;
  }

  /**
   * The merged pack's bytes. Sources none of whose objects are kept are not opened. Throws a `PackError` when a
   * source does not match its index (`CRC_MISMATCH`, `TRAILER_MISMATCH`, `OBJECT_COUNT_MISMATCH`, `TRUNCATED`, …).
   */
  async *stream(open: OpenSourcePack, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const plan = this.#plan;
    const total = plan.keep.length;
    const output: MergedOutput = { position: 0, offsets: new Float64Array(total), crc32s: new Uint32Array(total), rewritten: { ofs: 0, ref: 0 } };
    const hash = createHash('sha1');
    const header = writePackHeader(plan.objectCount);
    hash.update(header);
    output.position = header.length;
    yield header;
    for (let source = 0; source < plan.sources.length; source++) {
      if (plan.sources[source]!.kept === 0) continue;
      options.signal?.throwIfAborted();
      const copier = new EntryCopier(plan, source, output);
      for await (const chunk of await open(source, options.signal)) {
        for (const view of copier.write(chunk)) {
          hash.update(view);
          yield view;
        }
      }
      copier.end();
    }
    const trailer = hash.digest();
    yield trailer;
    const idx = encodeIdxV2({ ids: plan.ids, offsets: output.offsets, crc32s: output.crc32s }, plan.keptByIds, trailer);
    this.#merged = {
      packChecksum: trailer.toString('hex'),
      idx,
      objectCount: plan.objectCount,
      packSize: output.position + trailer.length,
      duplicates: total - plan.objectCount,
      rewritten: output.rewritten,
    };
  }

  /** What the merge wrote; throws when {@link stream} has not run to its end. */
  result(): MergedPack {
    if (!this.#merged) throw new Error('PackMerger.result() called before its stream ended');
    return this.#merged;
  }
}
