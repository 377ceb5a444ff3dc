import { sortRefs, type MirrorRef } from '../refs.js';

/** The header `git pack-refs` writes: every ref is peeled (fully) and the file is sorted. */
const PACKED_REFS_HEADER = '# pack-refs with: peeled fully-peeled sorted \n';
const REF_LINE = /^([0-9a-f]{40}) (.+)$/;
const PEELED_LINE = /^\^([0-9a-f]{40})$/;

/** Writes `packed-refs` as `git pack-refs --all` does: header, `<oid> <name>\n`, `^<peeled>\n` after annotated tags. */
export function formatPackedRefs(refs: readonly MirrorRef[]): string {
  let text = PACKED_REFS_HEADER;
  for (const ref of sortRefs(refs)) {
    text += `${ref.oid} ${ref.name}\n`;
    if (ref.peeled) text += `^${ref.peeled}\n`;
  }
  return text;
}

/**
 * Reads `packed-refs` back into refs, a `^<peeled>` line attaching to the ref before it. Lenient, as a check of a
 * damaged mirror needs: the header, comments and lines of no known form are skipped.
 */
export function parsePackedRefs(text: string): MirrorRef[] {
  const refs: MirrorRef[] = [];
  for (const line of text.split('\n')) {
    const ref = REF_LINE.exec(line);
    const peeled = PEELED_LINE.exec(line);
    if (ref) refs.push({ name: ref[2], oid: ref[1] });
    else if (peeled && refs.length > 0) refs[refs.length - 1].peeled = peeled[1];
  }
  return refs;
}
