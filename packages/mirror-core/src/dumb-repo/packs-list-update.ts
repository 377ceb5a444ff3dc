import { isStorageError, type Storage } from '@gitmirror/dumb-storage';
import { PACKS_LIST_KEY } from './layout.js';
import { formatPacksList, parsePacksList } from './packs-list.js';
import { readText, type VersionedText } from './target-state.js';

const PACKS_LIST_ATTEMPTS = 5;

/**
 * Rewrites `objects/info/packs` as `change` makes it from the packs listed, conditionally on the version read (`first`,
 * the one a writer read at its start, `undefined` when there was none). When another writer changed the list
 * meanwhile, reads it again and applies `change` to that, up to 5 times; `change` throws to give up. Returns the packs
 * written.
 */
export async function updatePacksList(storage: Storage, first: VersionedText | undefined, change: (packs: string[]) => string[], signal?: AbortSignal): Promise<string[]> {
  let current = first;
  for (let attempt = 1; ; attempt++) {
    const next = change(current ? parsePacksList(current.text) : []);
    try {
      await storage.put(PACKS_LIST_KEY, Buffer.from(formatPacksList(next)), current ? { ifMatch: current.etag, signal } : { ifNoneMatch: '*', signal });
      return next;
    } catch (error) {
      if (!isStorageError(error, 'PRECONDITION_FAILED') || attempt === PACKS_LIST_ATTEMPTS) throw error;
    }
    current = await readText(storage, PACKS_LIST_KEY, signal);
  }
}
