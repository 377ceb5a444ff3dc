const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The all-zero SHA-1 id git uses for "no object" (e.g. an unborn HEAD). */
export const ZERO_OID = '0'.repeat(40);

/** Whether `text` is a lowercase hex object id: SHA-1, or SHA-256 for `object-format=sha256` repositories. */
export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}
