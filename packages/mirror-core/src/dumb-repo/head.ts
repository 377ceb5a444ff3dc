/** What a repository's `HEAD` holds: a symbolic ref to a branch, or a detached object id. */
export type Head = { symref: string } | { oid: string };

const SYMREF = /^ref: (\S+)\n?$/;
const DETACHED = /^([0-9a-f]{40})\n?$/;

/** Writes `HEAD`: `ref: <target>\n` for a symbolic ref, `<oid>\n` when detached. */
export function formatHead(head: Head): string {
  return 'symref' in head ? `ref: ${head.symref}\n` : `${head.oid}\n`;
}

/** Reads `HEAD` back: `ref: <name>` or an object id, each with an optional newline; `undefined` for anything else. */
export function parseHead(text: string): Head | undefined {
  const symref = SYMREF.exec(text);
  if (symref) return { symref: symref[1] };
  const detached = DETACHED.exec(text);
  return detached ? { oid: detached[1] } : undefined;
}
