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
