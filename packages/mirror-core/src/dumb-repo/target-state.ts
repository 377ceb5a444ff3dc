import { isStorageError, type Storage } from '@gitmirror/dumb-storage';
import { parseInfoRefs } from './info-refs.js';
import { HEAD_KEY, INFO_REFS_KEY, PACKED_REFS_KEY, PACKS_LIST_KEY } from './layout.js';
import { parsePacksList } from './packs-list.js';
import type { MirrorRef } from '../refs.js';

/** A text file of the mirror with the etag of the version read. */
export interface VersionedText {
  text: string;
  etag: string;
}

/** What a dumb mirror holds at the start of a sync; absent files are `undefined` (a new mirror has none). */
export interface TargetState {
  infoRefs?: VersionedText;
  /** The refs of `info/refs` (empty for a new mirror); they are the sync's haves. */
  refs: MirrorRef[];
  packsList?: VersionedText;
  /** Pack file names listed in `objects/info/packs`, in order. */
  packs: string[];
  packedRefsEtag?: string;
  head?: string;
}

/** Reads `info/refs`, `objects/info/packs`, `HEAD` and the version of `packed-refs` from the mirror, in parallel. */
export async function readTargetState(storage: Storage, signal?: AbortSignal): Promise<TargetState> {
  const [infoRefs, packsList, head, packedRefsEtag] = await Promise.all([
    readText(storage, INFO_REFS_KEY, signal),
    readText(storage, PACKS_LIST_KEY, signal),
    readText(storage, HEAD_KEY, signal),
    orUndefined(storage.head(PACKED_REFS_KEY).then((info) => info.etag)),
  ]);
  return {
    infoRefs,
    refs: infoRefs ? parseInfoRefs(infoRefs.text) : [],
    packsList,
    packs: packsList ? parsePacksList(packsList.text) : [],
    packedRefsEtag,
    head: head?.text,
  };
}

/** Reads a whole text file of the mirror with its etag; `undefined` when it does not exist. */
export async function readText(storage: Storage, key: string, signal?: AbortSignal): Promise<VersionedText | undefined> {
  return orUndefined(
    (async () => {
      const { body, etag } = await storage.get(key, { signal });
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      return { text: Buffer.concat(chunks).toString('utf8'), etag };
    })(),
  );
}

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    // A missing bucket (BUCKET_NOT_FOUND) is no empty mirror: writing would fail later, less clearly.
    if (isStorageError(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  }
}
