import { InvalidMirrorError } from '../errors.js';

const LINE = /^P (pack-[0-9a-f]{40}\.pack)$/;

/**
 * Writes `objects/info/packs` as `git update-server-info` does: `P <pack file name>\n` per pack, then an empty line.
 * Git keeps the order of the packs already listed and appends new ones, which is what callers pass.
 */
export function formatPacksList(packFileNames: readonly string[]): string {
  return packFileNames.map((name) => `P ${name}\n`).join('') + '\n';
}

/** Reads the pack file names (`pack-<sha>.pack`) listed in `objects/info/packs`, in order. */
export function parsePacksList(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (!match) throw new InvalidMirrorError(`Malformed objects/info/packs line: ${JSON.stringify(line.slice(0, 200))}`);
    names.push(match[1]);
  }
  return names;
}
