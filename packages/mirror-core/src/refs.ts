import type { Head } from './dumb-repo/head.js';
import { InvalidRefError } from './errors.js';
import { refNameProblem } from './ref-name.js';
import { quoteServerText } from './server-text.js';

/** A ref as a mirror stores it: name, object id and, for annotated tags, the fully peeled object id. */
export interface MirrorRef {
  name: string;
  oid: string;
  peeled?: string;
}

/** Returns a copy of `refs` (or ref commands) sorted by name as git sorts them (byte-wise on the UTF-8 names). */
export function sortRefs<T extends { name: string }>(refs: readonly T[]): T[] {
  return refs
    .map((ref) => ({ ref, key: Buffer.from(ref.name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ ref }) => ref);
}

const OBJECT_ID = /^[0-9a-f]{40}$/;

/**
 * Refuses a source's advertisement that a mirror cannot carry, before anything is planned: a ref name git refuses
 * (`git check-ref-format`) or outside `refs/`, a name advertised twice, an object id (or peeled id) that is not 40
 * lowercase hex digits, or a HEAD whose symref target is not a valid `refs/` name (git ignores such a symref; a
 * mirror refuses it rather than guess, since it would otherwise write it into `HEAD`). Refs `wanted` leaves out (the
 * include/exclude filters) are not checked: the mirror never writes them, so a filter can leave out a bad one.
 * @throws InvalidRefError `INVALID_REF_NAME`, `DUPLICATE_REF` or `INVALID_OBJECT_ID`, naming `url` and the ref escaped.
 */
export function checkAdvertisedRefs(url: string, advertised: { refs: readonly MirrorRef[]; head?: Head }, wanted: (name: string) => boolean = () => true): void {
  const seen = new Set<string>();
  for (const ref of advertised.refs) {
    if (!wanted(ref.name)) continue;
    const problem = ref.name.startsWith('refs/') ? refNameProblem(ref.name) : 'it is not under refs/';
    if (problem) throw new InvalidRefError('INVALID_REF_NAME', `${url}: the source advertises an invalid ref name ${quoteServerText(ref.name)}: ${problem}`);
    if (seen.has(ref.name)) throw new InvalidRefError('DUPLICATE_REF', `${url}: the source advertises ${quoteServerText(ref.name)} more than once`);
    seen.add(ref.name);
    for (const oid of ref.peeled === undefined ? [ref.oid] : [ref.oid, ref.peeled]) {
      if (!OBJECT_ID.test(oid)) {
        throw new InvalidRefError('INVALID_OBJECT_ID', `${url}: the source advertises ${quoteServerText(ref.name)} at ${quoteServerText(oid)}, not a SHA-1 id (40 lowercase hex digits)`);
      }
    }
  }
  const { head } = advertised;
  if (head && 'symref' in head) {
    const problem = head.symref.startsWith('refs/') ? refNameProblem(head.symref) : 'it is not under refs/';
    if (problem) throw new InvalidRefError('INVALID_REF_NAME', `${url}: the source's HEAD points to an invalid ref name ${quoteServerText(head.symref)}: ${problem}`);
  } else if (head && !OBJECT_ID.test(head.oid)) {
    throw new InvalidRefError('INVALID_OBJECT_ID', `${url}: the source's HEAD is at ${quoteServerText(head.oid)}, not a SHA-1 id (40 lowercase hex digits)`);
  }
}
