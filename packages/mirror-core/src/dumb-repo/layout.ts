import { randomBytes } from 'node:crypto';

/** `info/refs`: every ref and peeled tag, what dumb-HTTP clients read first. */
export const INFO_REFS_KEY = 'info/refs';
/** `packed-refs`: the same refs in the form git reads from a bare repository. */
export const PACKED_REFS_KEY = 'packed-refs';
/** `objects/info/packs`: the packs readers may use. */
export const PACKS_LIST_KEY = 'objects/info/packs';
/** `HEAD`: the branch clones check out. */
export const HEAD_KEY = 'HEAD';
/** Where packs and their indexes live. */
export const PACK_DIR = 'objects/pack/';
/** Start of the name a pack has while it uploads, before it is moved under its checksum. */
export const TEMP_PACK_PREFIX = 'tmp_pack_';

/**
 * Where a repack records the packs it replaced: `gitmirror/retired/<pack file name>`, written just before the packs
 * list drops them. The marker's time is when the pack stopped being listed: the pack stays for readers that started
 * before, until that is older than the grace period. Outside `objects/`, git never looks there.
 */
export const RETIRED_DIR = 'gitmirror/retired/';

/** The key of the marker of a pack file name a repack replaced. */
export function retiredKey(packFileName: string): string {
  return `${RETIRED_DIR}${packFileName}`;
}

const PACK_FILE = /^pack-([0-9a-f]{40})\.(pack|idx)$/;

/** The storage key of a pack file name listed in `objects/info/packs` (`pack-<checksum>.pack`). */
export function packKey(packFileName: string): string {
  return `${PACK_DIR}${packFileName}`;
}

/** The storage key of the index of a pack file name (`pack-<checksum>.pack` → `objects/pack/pack-<checksum>.idx`). */
export function idxKey(packFileName: string): string {
  return packKey(packFileName.replace(/\.pack$/, '.idx'));
}

/** The pack file name of a checksum, as git names it. */
export function packFileName(checksum: string): string {
  return `pack-${checksum}.pack`;
}

/** A fresh temporary key for a pack being uploaded. */
export function tempPackKey(): string {
  return `${PACK_DIR}${TEMP_PACK_PREFIX}${randomBytes(8).toString('hex')}`;
}

/** What a name under {@link PACK_DIR} is: a pack or index file (with its checksum), a temporary pack, or other. */
export function classifyPackDirName(name: string): { kind: 'pack' | 'idx'; checksum: string } | { kind: 'temp' } | { kind: 'other' } {
  const match = PACK_FILE.exec(name);
  if (match) return { kind: match[2] as 'pack' | 'idx', checksum: match[1] };
  return name.startsWith(TEMP_PACK_PREFIX) ? { kind: 'temp' } : { kind: 'other' };
}
