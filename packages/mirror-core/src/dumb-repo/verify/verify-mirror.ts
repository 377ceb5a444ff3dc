import { isStorageError, type IncompleteUpload, type ObjectInfo, type Storage } from '@gitmirror/dumb-storage';
import { PACK_HEADER_LENGTH, PACK_TRAILER_LENGTH, PackError, readIdx, readPackHeader, readPackTrailer, type PackHeader, type PackIndex } from '@gitmirror/git-pack-stream';
import type { MirrorRef } from '../../refs.js';
import { parseHead } from '../head.js';
import { parseInfoRefs } from '../info-refs.js';
import { classifyPackDirName, HEAD_KEY, idxKey, INFO_REFS_KEY, PACK_DIR, packFileName, packKey, PACKED_REFS_KEY, PACKS_LIST_KEY } from '../layout.js';
import { parsePacksList } from '../packs-list.js';
import type { VerifyFinding, VerifyFindingCode, VerifyOptions, VerifyReport } from './findings.js';
import { checkClosure, checkPackContents } from './pack-contents.js';
import { readOptional, readWhole } from '../read.js';
import { listRetired } from '../recover.js';

/**
 * Checks a dumb mirror as a dumb-HTTP `git clone` will read it: every ref (and peeled tag) in `info/refs` names an
 * object of a pack listed in `objects/info/packs`; that list names exactly the packs present; every pack has an idx
 * that parses, carries the pack's checksum and object count (and, with `full`, matches its checksum and CRC32s);
 * `HEAD` resolves. Also reports, as warnings, what killed syncs left: temporary packs, unlisted packs, the storage's
 * incomplete uploads (S3 multipart uploads, a folder's temporary files).
 */
export async function verifyMirror(storage: Storage, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { signal } = options;
  const findings: VerifyFinding[] = [];
  const error = (code: VerifyFindingCode, message: string, key?: string) => findings.push({ severity: 'error', code, key, message });
  const warning = (code: VerifyFindingCode, message: string, key?: string) => findings.push({ severity: 'warning', code, key, message });

  const [[infoRefs, head, packsList], incompleteUploads, retired] = await Promise.all([
    Promise.all([INFO_REFS_KEY, HEAD_KEY, PACKS_LIST_KEY].map((key) => readOptional(storage, key, signal))),
    listIncompleteUploads(storage, signal),
    listRetired(storage),
  ]);
  let refs: MirrorRef[] = [];
  if (infoRefs === undefined) error('MISSING_INFO_REFS', 'info/refs is missing: this is not a mirror, or no sync has completed', INFO_REFS_KEY);
  else {
    try {
      refs = parseInfoRefs(infoRefs);
    } catch (reason) {
      error('BAD_INFO_REFS', `info/refs does not parse: ${(reason as Error).message}`, INFO_REFS_KEY);
    }
  }
  if (packsList === undefined) error('MISSING_PACKS_LIST', 'objects/info/packs is missing: dumb-HTTP clients cannot find any pack', PACKS_LIST_KEY);
  const listed = new Set(packsList === undefined ? [] : parsePacksList(packsList));

  const files = new Map<string, { pack?: ObjectInfo; idx?: ObjectInfo }>();
  for await (const info of storage.list(PACK_DIR)) {
    const name = info.key.slice(PACK_DIR.length);
    const file = classifyPackDirName(name);
    if (file.kind === 'pack' || file.kind === 'idx') {
      const entry = files.get(file.checksum) ?? {};
      entry[file.kind] = info;
      files.set(file.checksum, entry);
    } else if (file.kind === 'temp') {
      warning('LEFTOVER_TEMP_PACK', `${info.key} is a temporary pack${age(info.lastModified)}: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, info.key);
    }
  }
  for (const name of listed) {
    if (!files.get(packChecksum(name))?.pack) error('LISTED_PACK_MISSING', `objects/info/packs lists ${name}, which does not exist`, packKey(name));
  }

  const indexes: PackIndex[] = [];
  const externals: Uint8Array[] = [];
  let objects = 0;
  for (const [checksum, { pack, idx }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const name = packFileName(checksum);
    const packPath = packKey(name);
    const idxPath = idxKey(name);
    if (!pack) {
      error('ORPHAN_IDX', `${idxPath} has no pack (${packPath} is missing)`, idxPath);
      continue;
    }
    const marker = retired.get(name);
    if (!listed.has(name) && marker) {
      warning('RETIRED_PACK', `${packPath} was replaced by a repack${age(marker.lastModified)}: it stays for dumb-HTTP clones that started before, until the next sync or repack after the grace period removes it`, packPath);
      continue;
    }
    if (!listed.has(name)) {
      const what = idx ? 'is not listed in objects/info/packs' : `is not listed in objects/info/packs and has no index (${idxPath})`;
      warning('UNLISTED_PACK', `${packPath} ${what}${age(pack.lastModified)}: dumb-HTTP clients will not see its objects; a sync is publishing it now, or one was killed; ${LEFTOVER_ADVICE}`, packPath);
      continue;
    }
    if (!idx) {
      error('MISSING_IDX', `${packPath} has no index (${idxPath} is missing): its objects cannot be found`, idxPath);
      continue;
    }
    let index: PackIndex;
    try {
      index = readIdx(await readWhole(storage, idxPath, signal));
    } catch (reason) {
      error('BAD_IDX', `${idxPath}: ${(reason as Error).message}`, idxPath);
      continue;
    }
    findings.push(...(await checkPack(storage, packPath, pack.size, checksum, index, options, externals)));
    if (index.packChecksum !== checksum) continue;
    objects += index.objectCount;
    indexes.push(index);
  }

  const has = (oid: string) => indexes.some((index) => index.lookup(oid) !== undefined);
  for (const ref of refs) {
    if (!has(ref.oid)) error('MISSING_OBJECT', `${ref.name} points to ${ref.oid}, which no listed pack holds`, INFO_REFS_KEY);
    if (ref.peeled && !has(ref.peeled)) error('MISSING_OBJECT', `${ref.name}^{} peels to ${ref.peeled}, which no listed pack holds`, INFO_REFS_KEY);
  }
  if (options.full) findings.push(...checkClosure(externals, await readOptional(storage, PACKED_REFS_KEY, signal), has));
  for (const upload of incompleteUploads) {
    if (upload.kind === 'multipart-upload') {
      warning('INCOMPLETE_UPLOAD', `an upload of ${upload.key} was started${age(upload.lastActivity)} and never completed: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, upload.key);
    } else {
      warning('STRAY_TEMP', `${upload.key} is a temporary file${age(upload.lastActivity)}: a sync is writing it now, or one was killed; ${LEFTOVER_ADVICE}`, upload.key);
    }
  }
  if (head === undefined) error('MISSING_HEAD', 'HEAD is missing: clones will not know which branch to check out', HEAD_KEY);
  else checkHead(head, refs, has, error);

  return {
    target: storage.url,
    ok: findings.every((finding) => finding.severity !== 'error'),
    refs: refs.length,
    packs: [...files.keys()].filter((checksum) => listed.has(packFileName(checksum))).length,
    objects,
    findings,
  };
}

/** Checks one pack against its index; with `full`, reads it whole and adds what it links to outside itself to `externals`. */
async function checkPack(storage: Storage, key: string, size: number, checksum: string, index: PackIndex, options: VerifyOptions, externals: Uint8Array[]): Promise<VerifyFinding[]> {
  const findings: VerifyFinding[] = [];
  const error = (code: VerifyFindingCode, message: string) => findings.push({ severity: 'error', code, key, message });
  if (index.packChecksum !== checksum) error('IDX_MISMATCH', `${key}: its index describes pack ${index.packChecksum}`);
  if (size < PACK_HEADER_LENGTH + PACK_TRAILER_LENGTH) {
    error('BAD_PACK', `${key} is ${size} bytes, too short for a pack`);
    return findings;
  }
  const [header, trailer] = await Promise.all([
    storage.getRange(key, 0, PACK_HEADER_LENGTH, options),
    storage.getRange(key, size - PACK_TRAILER_LENGTH, PACK_TRAILER_LENGTH, options),
  ]);
  const declared = packHeaderOrUndefined(header);
  if (declared === undefined) error('BAD_PACK', `${key} does not start with a version 2 or 3 pack header`);
  else if (declared.objectCount !== index.objectCount) {
    error('OBJECT_COUNT_MISMATCH', `${key} holds ${declared.objectCount} objects but its index lists ${index.objectCount}`);
  }
  if (readPackTrailer(trailer) !== checksum) error('PACK_CHECKSUM_MISMATCH', `${key} does not end with the checksum its name carries`);
  for (let i = 0; i < index.objectCount; i++) {
    if (index.offset(i) < PACK_HEADER_LENGTH || index.offset(i) >= size - PACK_TRAILER_LENGTH) {
      error('BAD_IDX', `${key}: its index places ${index.id(i)} at offset ${index.offset(i)}, outside the pack`);
      break;
    }
  }
  if (findings.length > 0 || !options.full) return findings;
  const contents = await checkPackContents(storage, key, size, checksum, index, options.signal);
  if (contents.external) externals.push(contents.external);
  return contents.findings;
}

function checkHead(text: string, refs: readonly MirrorRef[], has: (oid: string) => boolean, error: (code: VerifyFindingCode, message: string, key?: string) => void): void {
  const head = parseHead(text);
  if (head === undefined) error('BAD_HEAD', "HEAD is neither 'ref: <name>' nor an object id", HEAD_KEY);
  else if ('symref' in head) {
    if (!refs.some((ref) => ref.name === head.symref)) error('HEAD_DANGLING', `HEAD points to ${head.symref}, which info/refs does not list`, HEAD_KEY);
  } else if (!has(head.oid)) error('HEAD_DANGLING', `HEAD is ${head.oid}, which no listed pack holds`, HEAD_KEY);
}

/** Ends the message of each leftover finding ({@link LEFTOVER_FINDING_CODES}). */
const LEFTOVER_ADVICE = 'the next sync removes it once it is older than its grace period';

/** The storage's incomplete uploads (none when it cannot, or may not, list them). */
async function listIncompleteUploads(storage: Storage, signal?: AbortSignal): Promise<IncompleteUpload[]> {
  const uploads: IncompleteUpload[] = [];
  try {
    for await (const upload of storage.listIncompleteUploads?.('', { signal }) ?? []) uploads.push(upload);
  } catch (error) {
    // Credentials may read a mirror without s3:ListBucketMultipartUploads; the rest of the checks still hold.
    if (!isStorageError(error, 'ACCESS_DENIED')) throw error;
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

function packChecksum(name: string): string {
  const file = classifyPackDirName(name);
  return 'checksum' in file ? file.checksum : name;
}

/** The pack header `bytes` hold, or undefined when they are not one (a finding, not a failure of verify). */
function packHeaderOrUndefined(bytes: Uint8Array): PackHeader | undefined {
  try {
    return readPackHeader(bytes);
  } catch (error) {
    if (error instanceof PackError) return undefined;
    throw error;
  }
}
