import type { Storage } from '@gitmirror/dumb-storage';
import { indexPack, type IndexPackOptions, type IndexPackResult } from '@gitmirror/git-pack-stream';
import type { RepositoryMemoryPlan } from '../memory-plan.js';
import { packFileName, tempPackKey } from './layout.js';
import { PackBuffer } from './pack-buffer.js';
import { ConsumerStoppedError, teeBytes } from './tee.js';

/** A pack uploaded under a temporary key and indexed, ready to be published. */
export interface StoredPack {
  tempKey: string;
  /** `pack-<checksum>.pack`, as git names it. */
  packFileName: string;
  idx: Uint8Array;
  objectCount: number;
  packSize: number;
  /** Ids (20 bytes each, ascending) the pack's objects link to outside it, for the connectivity check. */
  links?: { external: Uint8Array };
  /** What delta resolution read back of the pack. */
  readBack: IndexPackResult['readBack'];
}

/** Options of {@link storePack}. */
export interface StorePackOptions {
  /** How the repository's share of memory is split between the tee, the copy of a small pack and the indexer. */
  memory: Pick<RepositoryMemoryPlan, 'tee' | 'packCopy' | 'indexer'>;
  signal?: AbortSignal;
  onProgress?: IndexPackOptions['onProgress'];
}

/**
 * Streams `pack` into the storage under a temporary key while `indexPack()` reads the same bytes; the indexer reads
 * evicted delta bases back from an in-memory copy when the pack fits `memory.packCopy`, else from the stored copy
 * once the upload has completed. Returns `undefined` (and leaves nothing behind) for a pack without objects. On
 * failure the temporary key is deleted and the error is the first real one: when the upload fails, the indexer
 * then fails only because its half of the stream stopped, and the upload's error is the one thrown.
 */
export async function storePack(storage: Storage, pack: AsyncIterable<Uint8Array>, options: StorePackOptions): Promise<StoredPack | undefined> {
  const tempKey = tempPackKey();
  const buffer = new PackBuffer(options.memory.packCopy);
  const tee = teeBytes(buffer.record(pack), options.memory.tee);
  let firstError: { reason: unknown } | undefined;
  const fail = (reason: unknown) => {
    if (!(reason instanceof ConsumerStoppedError)) firstError ??= { reason };
    tee.abort(reason);
    throw reason;
  };
  const upload = storage.put(tempKey, tee.branches[0], { signal: options.signal }).catch(fail);
  const index = indexPack({
    source: tee.branches[1],
    read: async (offset, length) => {
      if (buffer.complete) return buffer.read(offset, length);
      await upload;
      return storage.getRange(tempKey, offset, length, { signal: options.signal });
    },
    memoryBudget: options.memory.indexer,
    signal: options.signal,
    onProgress: options.onProgress,
    collectLinks: true,
  }).catch(fail);
  const [uploaded, indexed] = await Promise.allSettled([upload, index]);
  if (uploaded.status === 'rejected' || indexed.status === 'rejected' || indexed.value.objectCount === 0) {
    await storage.delete([tempKey]).catch(() => {});
    if (firstError) throw firstError.reason;
    if (uploaded.status === 'rejected') throw uploaded.reason;
    if (indexed.status === 'rejected') throw indexed.reason;
    return undefined;
  }
  const result = indexed.value;
  return {
    tempKey,
    packFileName: packFileName(result.packChecksum),
    idx: result.idx,
    objectCount: result.objectCount,
    packSize: result.packSize,
    links: result.links,
    readBack: result.readBack,
  };
}
