/** A ref as a mirror stores it: name, object id and, for annotated tags, the fully peeled object id. */
export interface MirrorRef {
  name: string;
  oid: string;
  peeled?: string;
}

const encoder = new TextEncoder();

/** Orders ref names as git does (byte-wise on their UTF-8 form). */
export function compareRefNames(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/** Returns a copy of `refs` sorted by name as git sorts them. */
export function sortRefs(refs: readonly MirrorRef[]): MirrorRef[] {
  return [...refs].sort((a, b) => compareRefNames(a.name, b.name));
}
