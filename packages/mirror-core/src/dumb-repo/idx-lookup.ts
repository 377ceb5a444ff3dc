import { isStorageError, type Storage } from '@gitmirror/dumb-storage';
import { IdxNameMatcher, PackError } from '@gitmirror/git-pack-stream';
import { InvalidMirrorError } from '../errors.js';
import { idxKey } from './layout.js';

const ID = 20;

/**
 * Which of `needles` (ascending, distinct 20-byte ids) the packs `packFileNames` hold: one flag per needle, 1 when
 * found. Streams each pack's .idx once, in order, with one GET, stopping as soon as its name table has passed the
 * needles still missing; packs are not read at all once every needle is found. A listed pack without its .idx holds
 * nothing (a reader could not use it either); a malformed .idx is an `InvalidMirrorError`.
 */
export async function findInPacks(storage: Storage, packFileNames: readonly string[], needles: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
  const found = new Uint8Array(needles.length / ID);
  for (const packFileName of packFileNames) {
    const left = missingOnes(needles, found);
    if (left.length === 0) break;
    const key = idxKey(packFileName);
    const foundLeft = new Uint8Array(left.length);
    const matcher = new IdxNameMatcher(neededIds(needles, left), foundLeft, key);
    let body: AsyncIterable<Uint8Array>;
    try {
      body = (await storage.get(key, { signal })).body;
    } catch (error) {
      if (isStorageError(error, 'OBJECT_NOT_FOUND')) continue;
      throw error;
    }
    await matchNames(matcher, body);
    for (const [i, needle] of left.entries()) if (foundLeft[i]) found[needle] = 1;
  }
  return found;
}

/** Streams an .idx through `matcher` until it has seen enough; a malformed one is the mirror's fault, not the pack's. */
async function matchNames(matcher: IdxNameMatcher, body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of body) if (matcher.push(chunk)) break;
    matcher.end();
  } catch (error) {
    if (error instanceof PackError && error.code === 'BAD_IDX') throw new InvalidMirrorError(error.message);
    throw error;
  }
}

/** Indexes of the needles not found yet. */
function missingOnes(needles: Uint8Array, found: Uint8Array): number[] {
  const left: number[] = [];
  for (let i = 0; i < needles.length / ID; i++) if (!found[i]) left.push(i);
  return left;
}

function neededIds(needles: Uint8Array, indexes: readonly number[]): Uint8Array {
  if (indexes.length * ID === needles.length) return needles;
  const ids = new Uint8Array(indexes.length * ID);
  for (const [i, needle] of indexes.entries()) ids.set(needles.subarray(needle * ID, needle * ID + ID), i * ID);
  return ids;
}
