import { sortRefs, type MirrorRef } from '../refs.js';

/** The header `git pack-refs` writes: every ref is peeled (fully) and the file is sorted. */
const PACKED_REFS_HEADER = '# pack-refs with: peeled fully-peeled sorted \n';

/** Writes `packed-refs` as `git pack-refs --all` does: header, `<oid> <name>\n`, `^<peeled>\n` after annotated tags. */
export function formatPackedRefs(refs: readonly MirrorRef[]): string {
  let text = PACKED_REFS_HEADER;
  for (const ref of sortRefs(refs)) {
    text += `${ref.oid} ${ref.name}\n`;
    if (ref.peeled) text += `^${ref.peeled}\n`;
  }
  return text;
}
