/** What a repository's `HEAD` holds: a symbolic ref to a branch, or a detached object id. */
export type Head = { symref: string } | { oid: string };

/** Writes `HEAD`: `ref: <target>\n` for a symbolic ref, `<oid>\n` when detached. */
export function formatHead(head: Head): string {
  return 'symref' in head ? `ref: ${head.symref}\n` : `${head.oid}\n`;
}
