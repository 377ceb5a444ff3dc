import { isStorageError, type Storage } from '@gitmirror/dumb-storage';
import { bareRepoFiles } from './bare-repo.js';
import { formatPackedRefs } from './packed-refs.js';
import { HEAD_KEY, idxKey, INFO_REFS_KEY, PACKED_REFS_KEY, packKey } from './layout.js';
import { updatePacksList } from './packs-list-update.js';
import { ConflictError } from '../errors.js';
import type { SyncPlan } from './plan.js';
import type { StoredPack } from './store-pack.js';
import type { TargetState } from './target-state.js';

/** Options of {@link publish}. */
export interface PublishOptions {
  /** Also write what makes a folder a bare repository (`config`, `refs/`). */
  bareRepo: boolean;
  signal?: AbortSignal;
}

/**
 * Makes the plan visible in the order that never shows a reader a ref to a missing object: pack → idx →
 * `objects/info/packs` → `packed-refs` → `info/refs` → `HEAD`. `packed-refs` and `info/refs` are conditional
 * writes against the versions read at the start of the sync: a concurrent writer makes this one fail with a
 * {@link ConflictError} before any of its refs is visible. If the pack cannot be moved into place, its temporary
 * key is deleted.
 */
export async function publish(storage: Storage, state: TargetState, plan: SyncPlan, pack: StoredPack | undefined, options: PublishOptions): Promise<void> {
  const { signal } = options;
  try {
    signal?.throwIfAborted();
    if (options.bareRepo && !state.infoRefs) {
      for (const file of bareRepoFiles()) await storage.put(file.key, utf8(file.body), { signal });
    }
    if (pack) await storage.move(pack.tempKey, packKey(pack.packFileName));
  } catch (error) {
    if (pack) await storage.delete([pack.tempKey]).catch(() => {});
    throw error;
  }
  if (pack) {
    await storage.put(idxKey(pack.packFileName), pack.idx, { signal });
  }
  if (!state.packsList || (pack && !state.packs.includes(pack.packFileName))) {
    // Against a writer that listed or replaced packs meanwhile, its list is taken and this pack appended to it.
    const added = pack?.packFileName;
    await updatePacksList(storage, state.packsList, (packs) => (added && !packs.includes(added) ? [...packs, added] : packs), signal);
  }
  if (plan.infoRefs !== undefined) {
    await putConditionally(storage, PACKED_REFS_KEY, formatPackedRefs(plan.refs), state.packedRefsEtag, signal);
    await putConditionally(storage, INFO_REFS_KEY, plan.infoRefs, state.infoRefs?.etag, signal);
  }
  if (plan.head !== undefined) await storage.put(HEAD_KEY, utf8(plan.head), { signal });
}

async function putConditionally(storage: Storage, key: string, body: string, etag: string | undefined, signal?: AbortSignal): Promise<void> {
  try {
    await storage.put(key, utf8(body), etag === undefined ? { ifNoneMatch: '*', signal } : { ifMatch: etag, signal });
  } catch (error) {
    if (!isStorageError(error, 'PRECONDITION_FAILED')) throw error;
    throw new ConflictError(`${storage.url}: ${key} changed while this sync ran (another writer?); run the sync again`, { cause: error });
  }
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
