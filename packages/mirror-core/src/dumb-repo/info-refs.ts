import { InvalidMirrorError } from '../errors.js';
import { sortRefs, type MirrorRef } from '../refs.js';

const PEELED_SUFFIX = '^{}';
const LINE = /^([0-9a-f]{40})\t(.+)$/;

/**
 * Writes `info/refs` as `git update-server-info` does: refs sorted by name, `<oid>\t<name>\n`, followed for an
 * annotated tag by `<peeled>\t<name>^{}\n`.
 */
export function formatInfoRefs(refs: readonly MirrorRef[]): string {
  let text = '';
  for (const ref of sortRefs(refs)) {
    text += `${ref.oid}\t${ref.name}\n`;
    if (ref.peeled) text += `${ref.peeled}\t${ref.name}${PEELED_SUFFIX}\n`;
  }
  return text;
}

/** Reads an `info/refs` file back into refs (peeled lines attach to the ref before them). */
export function parseInfoRefs(text: string): MirrorRef[] {
  const refs: MirrorRef[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new InvalidMirrorError(`Malformed info/refs line: ${JSON.stringify(line.slice(0, 200))}`);
    const [, oid, name] = match;
    const previous = refs.at(-1);
    if (name.endsWith(PEELED_SUFFIX) && previous && previous.name === name.slice(0, -PEELED_SUFFIX.length)) {
      previous.peeled = oid;
    } else {
      refs.push({ name, oid });
    }
  }
  return refs;
}
