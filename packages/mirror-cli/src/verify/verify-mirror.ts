import { StorageError, type IncompleteUpload, type ObjectInfo, type Storage } from '@gitmirror/dumb-storage';
import { readIdx, type PackIndex } from '@gitmirror/git-pack-stream';
import { parseInfoRefs, parsePacksList, type MirrorRef } from '@gitmirror/mirror-core';
import { checkClosure, checkPackContents } from './pack-contents.js';
import { readOptional, readWhole } from './read.js';

/** Codes of {@link Finding}s. */
export type FindingCode =
  | 'MISSING_INFO_REFS'
  | 'BAD_INFO_REFS'
  | 'MISSING_HEAD'
  | 'BAD_HEAD'
  | 'HEAD_DANGLING'
  | 'MISSING_PACKS_LIST'
  | 'LISTED_PACK_MISSING'
  | 'UNLISTED_PACK'
  | 'MISSING_IDX'
  | 'ORPHAN_IDX'
  | 'BAD_IDX'
  | 'IDX_MISMATCH'
  | 'BAD_PACK'
  | 'OBJECT_COUNT_MISMATCH'
  | 'PACK_CHECKSUM_MISMATCH'
  | 'CRC_MISMATCH'
  | 'MISSING_OBJECT'
  | 'MISSING_LINKED_OBJECT'
  | 'LEFTOVER_TEMP_PACK'
  | 'STRAY_TEMP'
  | 'INCOMPLETE_UPLOAD';

/**
 * One problem found in a mirror. Errors make `verify` fail; warnings do not: the leftovers of killed syncs
 * (`LEFTOVER_TEMP_PACK`, `UNLISTED_PACK`, `STRAY_TEMP`, `INCOMPLETE_UPLOAD`) are invisible to readers, and the next sync
 * that writes removes them once they are older than its grace period.
 */
export interface Finding {
  severity: 'error' | 'warning';
  code: FindingCode;
  /** The file it is about, relative to the mirror's root. */
  key?: string;
  message: string;
}

/** What {@link verifyMirror} checked and found. */
export interface VerifyReport {
  /** The mirror's URL, credentials redacted. */
  target: string;
  /** True when no finding is an error. */
  ok: boolean;
  refs: number;
  packs: number;
  objects: number;
  findings: Finding[];
}

/** Options of {@link verifyMirror}. */
export interface VerifyOptions {
  /**
   * Also read every pack whole: its trailing checksum and every object's CRC32 against the idx, and re-index it to
   * check that every object the listed packs' commits, trees and tags point to (and every `packed-refs` tip) is in one.
   */
  full?: boolean;
  signal?: AbortSignal;
}

const PACK_DIR = 'objects/pack/';
const PACK_NAME = /^pack-([0-9a-f]{40})\.(pack|idx)$/;

/**
 * Checks a dumb mirror as a dumb-HTTP `git clone` will read it: every ref (and peeled tag) in `info/refs` names an
 * object of a pack listed in `objects/info/packs`; that list names exactly the packs present; every pack has an idx
 * that parses, carries the pack's checksum and object count (and, with `full`, matches its checksum and CRC32s);
 * `HEAD` resolves. Also reports, as warnings, what killed syncs left: temporary packs, unlisted packs, the storage's
 * incomplete uploads (S3 multipart uploads, a folder's temporary files).
 */
export async function verifyMirror(storage: Storage, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { signal } = options;
  const findings: Finding[] = [];
  const error = (code: FindingCode, message: string, key?: string) => findings.push({ severity: 'error', code, key, message });
  const warning = (code: FindingCode, message: string, key?: string) => findings.push({ severity: 'warning', code, key, message });

  const [[infoRefs, head, packsList], incompleteUploads] = await Promise.all([
    Promise.all(['info/refs', 'HEAD', 'objects/info/packs'].map((key) => readOptional(storage, key, signal))),
    listIncompleteUploads(storage, signal),
  ]);
  let refs: MirrorRef[] = [];
  if (infoRefs === undefined) error('MISSING_INFO_REFS', 'info/refs is missing: this is not a mirror, or no sync has completed', 'info/refs');
  else {
    try {
      refs = parseInfoRefs(infoRefs);
    } catch (reason) {
      error('BAD_INFO_REFS', `info/refs does not parse: ${(reason as Error).message}`, 'info/refs');
    }
  }
  if (packsList === undefined) error('MISSING_PACKS_LIST', 'objects/info/packs is missing: dumb-HTTP clients cannot find any pack', 'objects/info/packs');
  const listed = new Set(packsList === undefined ? [] : parsePacksList(packsList));

  const files = new Map<string, { pack?: ObjectInfo; idx?: ObjectInfo }>();
  for await (const info of storage.list(PACK_DIR)) {
    const name = info.key.slice(PACK_DIR.length);
    const match = PACK_NAME.exec(name);
    if (match) {
      const entry = files.get(match[1]) ?? {};
      entry[match[2] as 'pack' | 'idx'] = info;
      files.set(match[1], entry);
    } else if (name.startsWith('tmp_pack_')) {
      warning('LEFTOVER_TEMP_PACK', `${info.key} is a temporary pack${age(info.lastModified)}: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, info.key);
    }
  }
  for (const name of listed) {
    if (!files.get(packChecksum(name))?.pack) error('LISTED_PACK_MISSING', `objects/info/packs lists ${name}, which does not exist`, PACK_DIR + name);
  }

  const indexes: PackIndex[] = [];
  const externals: Uint8Array[] = [];
  let objects = 0;
  for (const [checksum, { pack, idx }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const packKey = `${PACK_DIR}pack-${checksum}.pack`;
    const idxKey = `${PACK_DIR}pack-${checksum}.idx`;
    if (!pack) {
      error('ORPHAN_IDX', `${idxKey} has no pack (${packKey} is missing)`, idxKey);
      continue;
    }
    if (!listed.has(`pack-${checksum}.pack`)) {
      const what = idx ? 'is not listed in objects/info/packs' : `is not listed in objects/info/packs and has no index (${idxKey})`;
      warning('UNLISTED_PACK', `${packKey} ${what}${age(pack.lastModified)}: dumb-HTTP clients will not see its objects; a sync is publishing it now, or one was killed; ${LEFTOVER_ADVICE}`, packKey);
      continue;
    }
    if (!idx) {
      error('MISSING_IDX', `${packKey} has no index (${idxKey} is missing): its objects cannot be found`, idxKey);
      continue;
    }
    let index: PackIndex;
    try {
      index = readIdx(await readWhole(storage, idxKey, signal));
    } catch (reason) {
      error('BAD_IDX', `${idxKey}: ${(reason as Error).message}`, idxKey);
      continue;
    }
    const linksOut = listed.has(`pack-${checksum}.pack`) ? externals : undefined;
    findings.push(...(await checkPack(storage, packKey, pack.size, checksum, index, options, linksOut)));
    if (index.packChecksum !== checksum) continue;
    objects += index.objectCount;
    if (listed.has(`pack-${checksum}.pack`)) indexes.push(index);
  }

  const has = (oid: string) => indexes.some((index) => index.lookup(oid) !== undefined);
  for (const ref of refs) {
    if (!has(ref.oid)) error('MISSING_OBJECT', `${ref.name} points to ${ref.oid}, which no listed pack holds`, 'info/refs');
    if (ref.peeled && !has(ref.peeled)) error('MISSING_OBJECT', `${ref.name}^{} peels to ${ref.peeled}, which no listed pack holds`, 'info/refs');
  }
  if (options.full) findings.push(...checkClosure(externals, await readOptional(storage, 'packed-refs', signal), has));
  for (const upload of incompleteUploads) {
    if (upload.kind === 'multipart-upload') {
      warning('INCOMPLETE_UPLOAD', `an upload of ${upload.key} was started${age(upload.lastActivity)} and never completed: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, upload.key);
    } else {
      warning('STRAY_TEMP', `${upload.key} is a temporary file${age(upload.lastActivity)}: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, upload.key);
    }
  }
  if (head === undefined) error('MISSING_HEAD', 'HEAD is missing: clones will not know which branch to check out', 'HEAD');
  else checkHead(head, refs, has, error);

  return {
    target: storage.url,
    ok: findings.every((finding) => finding.severity !== 'error'),
    refs: refs.length,
    packs: files.size,
    objects,
    findings,
  };
}

/** Checks one pack against its index; with `full`, reads it whole and adds what it links to outside itself to `externals`. */
async function checkPack(storage: Storage, key: string, size: number, checksum: string, index: PackIndex, options: VerifyOptions, externals?: Uint8Array[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const error = (code: FindingCode, message: string) => findings.push({ severity: 'error', code, key, message });
  if (index.packChecksum !== checksum) error('IDX_MISMATCH', `${key}: its index describes pack ${index.packChecksum}`);
  if (size < 32) {
    error('BAD_PACK', `${key} is ${size} bytes, too short for a pack`);
    return findings;
  }
  const [header, trailer] = await Promise.all([storage.getRange(key, 0, 12, options), storage.getRange(key, size - 20, 20, options)]);
  const view = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (view.toString('latin1', 0, 4) !== 'PACK' || ![2, 3].includes(view.readUInt32BE(4))) error('BAD_PACK', `${key} does not start with a version 2 or 3 pack header`);
  else if (view.readUInt32BE(8) !== index.objectCount) {
    error('OBJECT_COUNT_MISMATCH', `${key} holds ${view.readUInt32BE(8)} objects but its index lists ${index.objectCount}`);
  }
  if (Buffer.from(trailer).toString('hex') !== checksum) error('PACK_CHECKSUM_MISMATCH', `${key} does not end with the checksum its name carries`);
  for (let i = 0; i < index.objectCount; i++) {
    if (index.offset(i) < 12 || index.offset(i) >= size - 20) {
      error('BAD_IDX', `${key}: its index places ${index.id(i)} at offset ${index.offset(i)}, outside the pack`);
      break;
    }
  }
  if (findings.length > 0 || !options.full) return findings;
  const contents = await checkPackContents(storage, key, size, checksum, index, options.signal);
  if (contents.external) externals?.push(contents.external);
  return contents.findings;
}

function checkHead(head: string, refs: readonly MirrorRef[], has: (oid: string) => boolean, error: (code: FindingCode, message: string, key?: string) => void): void {
  const symref = /^ref: (\S+)\n?$/.exec(head);
  if (symref) {
    if (!refs.some((ref) => ref.name === symref[1])) error('HEAD_DANGLING', `HEAD points to ${symref[1]}, which info/refs does not list`, 'HEAD');
  } else if (/^[0-9a-f]{40}\n?$/.test(head)) {
    if (!has(head.trim())) error('HEAD_DANGLING', `HEAD is ${head.trim()}, which no listed pack holds`, 'HEAD');
  } else error('BAD_HEAD', "HEAD is neither 'ref: <name>' nor an object id", 'HEAD');
}

const LEFTOVER_ADVICE = 'the next sync removes it once it is older than its grace period (--leftover-grace, default 1h)';

/** The storage's incomplete uploads (none when it cannot, or may not, list them). */
async function listIncompleteUploads(storage: Storage, signal?: AbortSignal): Promise<IncompleteUpload[]> {
  const uploads: IncompleteUpload[] = [];
  try {
    for await (const upload of storage.listIncompleteUploads?.('', { signal }) ?? []) uploads.push(upload);
  } catch (error) {
    // Credentials may read a mirror without s3:ListBucketMultipartUploads; the rest of the checks still hold.
    if (!(error instanceof StorageError && error.code === 'ACCESS_DENIED')) throw error;
  }
  return uploads;
}

/** ` (written 5 min ago)`, or nothing when the time is unknown. */
function age(time: Date | undefined): string {
  if (time === undefined) return '';
  const seconds = Math.max(0, Math.round((Date.now() - time.getTime()) / 1000));
  const text = seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  return ` (last written ${text} ago)`;
}

function packChecksum(packFileName: string): string {
  return PACK_NAME.exec(packFileName)?.[1] ?? packFileName;
}
