import { randomBytes } from 'node:crypto';
import type { Storage } from '@gitmirror/dumb-storage';
import { indexPack, type IndexPackOptions } from '@gitmirror/git-pack-stream';
import { PackBuffer } from './pack-buffer.js';
import { teeBytes } from './tee.js';

/** A pack uploaded under a temporary key and indexed, ready to be published. */
export interface StoredPack {
  tempKey: string;
  /** `pack-<checksum>.pack`, as git names it. */
  packFileName: string;
  idx: Uint8Array;
  objectCount: number;
  packSize: number;
}

/** Options of {@link storePack}. */
export interface StorePackOptions {
  /** Bytes for the indexer's caches, the in-memory copy of a small pack and the tee's buffer. */
  memoryBudget: number;
  signal?: AbortSignal;
  onProgress?: IndexPackOptions['onProgress'];
}

/**
 * Bytes the faster of upload and indexer may run ahead. The chunks held are views that keep their network buffers
 * alive, and the upload copies into its own part buffers anyway: a little slack is all either side needs.
 */
const MAX_TEE_BUFFER = 2 * 1024 * 1024;

/**
 * Streams `pack` into the storage under a temporary key while `indexPack()` reads the same bytes; the indexer reads
 * evicted delta bases back from an in-memory copy when the pack fits a quarter of the budget, else from the stored
 * copy once the upload has completed. Returns `undefined` (and leaves
 * nothing behind) for a pack without objects. On failure the temporary key is deleted.
 */
export async function storePack(storage: Storage, pack: AsyncIterable<Uint8Array>, options: StorePackOptions): Promise<StoredPack | undefined> {
  const tempKey = `objects/pack/tmp_pack_${randomBytes(8).toString('hex')}`;
  const buffer = new PackBuffer(Math.floor(options.memoryBudget / 4));
  const tee = teeBytes(buffer.record(pack), Math.min(MAX_TEE_BUFFER, Math.floor(options.memoryBudget / 64)));
  let firstError: { reason: unknown } | undefined;
  const fail = (reason: unknown) => {
    firstError ??= { reason };
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
    memoryBudget: Math.floor(options.memoryBudget / 2),
    signal: options.signal,
    onProgress: options.onProgress,
  }).catch(fail);
  const [uploaded, indexed] = await Promise.allSettled([upload, index]);
  if (uploaded.status === 'rejected' || indexed.status === 'rejected' || indexed.value.objectCount === 0) {
    await storage.delete([tempKey]).catch(() => {});
    if (firstError) throw firstError.reason;
    return undefined;
  }
  const result = indexed.value;
  return {
    tempKey,
    packFileName: `pack-${result.packChecksum}.pack`,
    idx: result.idx,
    objectCount: result.objectCount,
    packSize: result.packSize,
  };
}
