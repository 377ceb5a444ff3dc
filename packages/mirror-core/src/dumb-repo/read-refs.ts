import type { Storage } from '@gitmirror/dumb-storage';
import type { MirrorRef } from '../refs.js';
import { parseHead, type Head } from './head.js';
import { parseInfoRefs } from './info-refs.js';
import { HEAD_KEY, INFO_REFS_KEY } from './layout.js';
import { readOptional } from './read.js';

/**
 * The refs of a dumb repository as a dumb-HTTP client reads them: `info/refs` (no refs when it is missing) and `HEAD`
 * (absent when missing or of no known form), read in parallel; nothing is written.
 */
export async function readMirrorRefs(storage: Storage, signal?: AbortSignal): Promise<{ head?: Head; refs: MirrorRef[] }> {
  const [infoRefs, head] = await Promise.all([readOptional(storage, INFO_REFS_KEY, signal), readOptional(storage, HEAD_KEY, signal)]);
  return { head: head === undefined ? undefined : parseHead(head), refs: infoRefs === undefined ? [] : parseInfoRefs(infoRefs) };
}
