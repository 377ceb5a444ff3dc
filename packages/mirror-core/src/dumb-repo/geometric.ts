/** A pack as the repack policy weighs it. */
export interface WeighedPack {
  name: string;
  bytes: number;
  /** Objects in the pack (or an upper bound): what merging it costs in memory. */
  objects: number;
}

/** Options of {@link choosePacksToMerge}. */
export interface GeometricOptions {
  /** Each pack must be at least this many times the size of all smaller packs together. Default 2. */
  factor?: number;
  /** Merge at most this many bytes of packs: the smallest ones that fit (default no limit). */
  maxBytes?: number;
  /** Merge at most this many objects: the smallest packs that fit (default no limit). */
  maxObjects?: number;
}

/**
 * The packs to merge so that, afterwards, every pack is at least `factor` times the size of all smaller packs
 * together (a geometric progression, as `git repack --geometric=2` keeps): sorted by size, the smallest packs up to
 * the last one that breaks the progression. A mirror that adds a pack per sync then holds about log(history) packs,
 * and each byte is rewritten about log times. With `maxBytes`, the smallest packs whose sizes fit in it, so that no
 * merge rewrites more (and likewise `maxObjects`). Empty when the packs already form the progression, or fewer than two would be merged.
 */
export function choosePacksToMerge(packs: readonly WeighedPack[], options: GeometricOptions = {}): string[] {
  const factor = options.factor ?? 2;
  const sorted = [...packs].sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name));
  // With the packs before j merged into one, pack j is compared with exactly the sum of those before it, whatever the
  // split: the last pack breaking the progression is the last one to merge.
  let merge = 0;
  let smaller = 0;
  for (let j = 0; j < sorted.length; j++) {
    if (sorted[j]!.bytes < factor * smaller) merge = j + 1;
    smaller += sorted[j]!.bytes;
  }
  const maxBytes = options.maxBytes ?? Infinity;
  const maxObjects = options.maxObjects ?? Infinity;
  let fits = 0;
  for (let bytes = 0, objects = 0; fits < merge; fits++) {
    bytes += sorted[fits]!.bytes;
    objects += sorted[fits]!.objects;
    if (bytes > maxBytes || objects > maxObjects) break;
  }
  merge = fits;
  return merge < 2 ? [] : sorted.slice(0, merge).map((pack) => pack.name);
}
