import { PackError } from './errors.js';
import { compareIds } from './object-id.js';
import { ObjectType } from './object-type.js';

/** Slots start at this many and double whenever half are taken. */
const INITIAL_SLOTS = 1024;
const ID = 20;
/** `"tree " + 40 hex`, `"parent " + 40 hex`, `"object " + 40 hex`: where the newline of those lines sits. */
const TREE_LINE = 45;
const PARENT_LINE = 47;
const OBJECT_LINE = 47;
/** Git's `parse_tag_buffer` refuses anything shorter than 40 hex + 24. */
const MIN_TAG_SIZE = 64;
/** Tree entry modes git follows; every other kind canonicalises to a gitlink (`canon_mode`), which it skips. */
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * The distinct object ids that a set of commits, trees and tags point to: what must exist for them to be
 * complete. An open-addressing hash set over typed arrays: ids are kept once each, 20 bytes apiece, in insertion
 * order, with a slot table of 4 bytes per slot at most half full; both grow by doubling. Slots are placed by a
 * per-set random hash, so ids a hostile pack chooses cannot be made to collide.
 */
export class LinkSet {
  #ids = new Uint8Array(INITIAL_SLOTS * ID);
  /** Index + 1 of the id in {@link #ids}, 0 for an empty slot. */
  #slots = new Int32Array(INITIAL_SLOTS);
  #size = 0;
  readonly #seed = (Math.random() * 2 ** 32) >>> 0;
  readonly #scratch = new Uint8Array(ID);

  /** Distinct ids held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds the ids that an object of pack type `type` (1-4) with content `content` links to, as git follows them:
   * a commit's `tree` and its `parent` lines (those right after the tree, as `parse_commit_buffer` reads them), a
   * tree's entries except gitlinks, a tag's `object`; a blob links to nothing. Throws a `BAD_OBJECT`
   * {@link PackError} where git's own parsers refuse the content, `BAD_OBJECT_TYPE` for a delta or unknown type.
   */
  add(type: number, content: Uint8Array): void {
    switch (type) {
      case ObjectType.commit:
        return this.#addCommit(content);
      case ObjectType.tree:
        return this.#addTree(content);
      case ObjectType.tag:
        return this.#addTag(content);
      case ObjectType.blob:
        return;
      default:
        throw new PackError('BAD_OBJECT_TYPE', `cannot list the links of an object of type ${type}`);
    }
  }

  /** All distinct ids, 20 bytes each, in the order first added; a copy, so it can be transferred to another thread. */
  ids(): Uint8Array {
    return this.#ids.slice(0, this.#size * ID);
  }

  /** Adds every 20-byte id of `ids` (as {@link ids} returns them, possibly from another set). */
  addIds(ids: Uint8Array): void {
    if (ids.length % ID !== 0) throw new RangeError(`ids must be 20 bytes each; got ${ids.length} bytes`);
    for (let at = 0; at < ids.length; at += ID) this.#insert(ids, at);
  }

  #addCommit(content: Uint8Array): void {
    // parse_commit_buffer: "tree <hex>\n" first, more bytes after it, then consecutive "parent <hex>\n" lines.
    if (content.length <= TREE_LINE + 1 || !startsWith(content, 0, 'tree ') || content[TREE_LINE] !== NEWLINE) {
      throw bad('commit does not start with a "tree <id>" line');
    }
    this.#insertHex(content, 5, 'commit has a bad tree id');
    let at = TREE_LINE + 1;
    while (at + PARENT_LINE < content.length && startsWith(content, at, 'parent ')) {
      if (content.length <= at + PARENT_LINE + 1 || content[at + PARENT_LINE] !== NEWLINE) throw bad('commit has a bad parent line');
      this.#insertHex(content, at + 7, 'commit has a bad parent id');
      at += PARENT_LINE + 1;
    }
  }

  #addTree(content: Uint8Array): void {
    // decode_tree_entry: "<octal mode> <name>\0<20-byte id>", mode not empty, name not empty.
    let at = 0;
    while (at < content.length) {
      let mode = 0;
      let cursor = at;
      for (; cursor < content.length && content[cursor] !== SPACE; cursor++) {
        const digit = content[cursor]! - 0x30;
        if (digit < 0 || digit > 7) throw bad(`tree entry at byte ${at} has a malformed mode`);
        mode = ((mode << 3) | digit) >>> 0;
      }
      if (cursor === at) throw bad(`tree entry at byte ${at} has a malformed mode`);
      const name = cursor + 1;
      const nul = content.indexOf(0, name);
      if (cursor >= content.length || nul < 0 || nul + 1 + ID > content.length) throw bad(`tree entry at byte ${at} is truncated`);
      if (nul === name) throw bad(`tree entry at byte ${at} has an empty name`);
      const kind = mode & S_IFMT;
      if (kind === S_IFDIR || kind === S_IFREG || kind === S_IFLNK) this.#insert(content, nul + 1);
      at = nul + 1 + ID;
    }
  }

  #addTag(content: Uint8Array): void {
    // parse_tag_buffer: at least 64 bytes, "object <hex>\n" then a "type " line.
    if (content.length < MIN_TAG_SIZE || !startsWith(content, 0, 'object ') || content[OBJECT_LINE] !== NEWLINE) {
      throw bad('tag does not start with an "object <id>" line');
    }
    if (!startsWith(content, OBJECT_LINE + 1, 'type ')) throw bad('tag has no "type" line after its object');
    this.#insertHex(content, 7, 'tag has a bad object id');
  }

  /** Inserts the id spelled as 40 hex digits at `content[at..]` (either case, as git's `get_oid_hex` takes). */
  #insertHex(content: Uint8Array, at: number, reason: string): void {
    const id = this.#scratch;
    for (let i = 0; i < ID; i++) {
      const high = hexValue(content[at + 2 * i]!);
      const low = hexValue(content[at + 2 * i + 1]!);
      if ((high | low) < 0) throw bad(reason);
      id[i] = (high << 4) | low;
    }
    this.#insert(id, 0);
  }

  #insert(bytes: Uint8Array, offset: number): void {
    const mask = this.#slots.length - 1;
    let slot = this.#hash(bytes, offset) & mask;
    for (let held = this.#slots[slot]!; held !== 0; held = this.#slots[slot]!) {
      if (sameId(this.#ids, (held - 1) * ID, bytes, offset)) return;
      slot = (slot + 1) & mask;
    }
    if (this.#size * ID === this.#ids.length) {
      const ids = new Uint8Array(this.#ids.length * 2);
      ids.set(this.#ids);
      this.#ids = ids;
    }
    const ids = this.#ids;
    const at = this.#size * ID;
    for (let i = 0; i < ID; i++) ids[at + i] = bytes[offset + i]!;
    this.#slots[slot] = ++this.#size;
    if (this.#size * 2 > this.#slots.length) this.#rehash();
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.#size; i++) {
      let slot = this.#hash(this.#ids, i * ID) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.#slots = slots;
  }

  /** Mixes all 20 bytes with the set's seed (murmur3-style rounds over five 32-bit words). */
  #hash(bytes: Uint8Array, offset: number): number {
    let h = this.#seed;
    for (let i = offset; i < offset + ID; i += 4) {
      let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      k = Math.imul(k, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
}

/**
 * The ids in `links` that are not among `sortedIds` — the ascending, 20-byte-each name table of a pack's .idx —
 * in ascending order, 20 bytes each: what the pack needs from elsewhere.
 */
export function externalLinks(links: LinkSet, sortedIds: Uint8Array): Uint8Array {
  if (sortedIds.length % ID !== 0) throw new RangeError(`sorted ids must be 20 bytes each; got ${sortedIds.length} bytes`);
  const count = sortedIds.length / ID;
  // Where each leading byte's run of ids ends, as an .idx fan-out table does.
  const fanout = new Uint32Array(256);
  for (let i = 0; i < count; i++) fanout[sortedIds[i * ID]!]!++;
  for (let b = 1; b < 256; b++) fanout[b]! += fanout[b - 1]!;
  const all = links.ids();
  const missing: number[] = [];
  for (let at = 0; at < all.length; at += ID) {
    let low = all[at] === 0 ? 0 : fanout[all[at]! - 1]!;
    let high = fanout[all[at]!]!;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compareIds(sortedIds, middle * ID, all, at);
      if (order === 0) break;
      if (order < 0) low = middle + 1;
      else high = middle;
    }
    if (low >= high) missing.push(at);
  }
  missing.sort((a, b) => compareIds(all, a, all, b));
  const external = new Uint8Array(missing.length * ID);
  for (const [i, at] of missing.entries()) external.set(all.subarray(at, at + ID), i * ID);
  return external;
}

function sameId(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  for (let i = 0; i < ID; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}

function bad(reason: string): PackError {
  return new PackError('BAD_OBJECT', reason);
}

function startsWith(content: Uint8Array, at: number, prefix: string): boolean {
  if (at + prefix.length > content.length) return false;
  for (let i = 0; i < prefix.length; i++) if (content[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** 0-15 for a hex digit of either case, -1 otherwise. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
