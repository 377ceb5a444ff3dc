import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Storage } from '@gitmirror/dumb-storage';
import { indexPack, PackError, type PackIndex } from '@gitmirror/git-pack-stream';
import { PACKED_REFS_KEY, PACKS_LIST_KEY } from '../layout.js';
import { parsePackedRefs } from '../packed-refs.js';
import type { VerifyFinding } from './findings.js';

/** What reading a pack whole found. */
export interface PackContents {
  findings: VerifyFinding[];
  /**
   * Ascending 20-byte ids that the pack's commits, trees and tags point to outside the pack; present only when the
   * pack re-indexed cleanly.
   */
  external?: Uint8Array;
}

/**
 * Streams a whole pack once: its SHA-1 must equal the checksum in its name, and the CRC32 of each object's raw
 * entry (from its offset to the next one's) the CRC32 its index records. The same bytes are re-indexed on the way,
 * collecting what the pack's objects link to outside it, for {@link checkClosure}.
 */
export async function checkPackContents(storage: Storage, key: string, size: number, checksum: string, index: PackIndex, signal?: AbortSignal): Promise<PackContents> {
  const dataEnd = size - 20;
  const order = Array.from({ length: index.objectCount }, (_, i) => i).sort((a, b) => index.offset(a) - index.offset(b));
  const hash = createHash('sha1');
  let position = 0;
  let entry = 0;
  let crc = 0;
  let badCrcs = 0;
  let firstBad: string | undefined;
  const entryEnd = (n: number) => (n + 1 < order.length ? index.offset(order[n + 1]) : dataEnd);
  const track = (chunk: Uint8Array) => {
    const data = chunk.subarray(0, Math.max(0, Math.min(chunk.length, dataEnd - position)));
    hash.update(data);
    let at = 0;
    while (at < data.length && entry < order.length) {
      const start = index.offset(order[entry]);
      if (position + at < start) {
        at = Math.min(data.length, start - position);
        continue;
      }
      const end = Math.min(data.length, entryEnd(entry) - position);
      crc = crc32(data.subarray(at, end), crc);
      at = end;
      if (position + at === entryEnd(entry)) {
        if (crc !== index.crc32(order[entry])) {
          badCrcs++;
          firstBad ??= index.id(order[entry]);
        }
        crc = 0;
        entry++;
      }
    }
    position += chunk.length;
  };

  const { body } = await storage.get(key, { signal });
  const chunks = body[Symbol.asyncIterator]();
  let ended = false;
  const next = async () => {
    const result = await chunks.next();
    if (result.done) ended = true;
    else track(result.value);
    return result;
  };
  // The indexer stops reading a pack it refuses; the checksum and CRCs still need the rest of it.
  const source = {
    async *[Symbol.asyncIterator]() {
      for (let result = await next(); !result.done; result = await next()) yield result.value;
    },
  };
  let external: Uint8Array | undefined;
  let refused: PackError | undefined;
  try {
    external = (await indexPack({ source, read: (offset, length) => storage.getRange(key, offset, length, { signal }), collectLinks: true, signal })).links?.external;
  } catch (error) {
    if (!(error instanceof PackError)) throw error;
    refused = error;
    while (!ended) await next();
  }

  const findings: VerifyFinding[] = [];
  if (hash.digest('hex') !== checksum) findings.push({ severity: 'error', code: 'PACK_CHECKSUM_MISMATCH', key, message: `${key}: its contents do not hash to the checksum its name carries` });
  if (badCrcs > 0) {
    findings.push({ severity: 'error', code: 'CRC_MISMATCH', key, message: `${key}: ${badCrcs} object(s) do not match the CRC32 in the index (first: ${firstBad})` });
  }
  if (findings.length > 0) return { findings };
  if (refused) return { findings: [{ severity: 'error', code: 'BAD_PACK', key, message: `${key}: ${refused.message}` }] };
  return { findings, external };
}

/** Ids shown in a {@link checkClosure} finding. */
const NAMED_MISSING = 5;

/**
 * Checks that the listed packs are closed: every id their objects link to outside themselves (`externals`, one list
 * per pack) is in some listed pack (`has`), and so is every tip and peeled tip of `packed-refs`. A clone of a mirror
 * failing this stops with git's "did not send all necessary objects".
 */
export function checkClosure(externals: readonly Uint8Array[], packedRefs: string | undefined, has: (oid: string) => boolean): VerifyFinding[] {
  const findings: VerifyFinding[] = [];
  const missing = new Set<string>();
  for (const external of externals) {
    for (let at = 0; at < external.length; at += 20) {
      const id = Buffer.from(external.buffer, external.byteOffset + at, 20).toString('hex');
      if (!has(id)) missing.add(id);
    }
  }
  if (missing.size > 0) {
    const named = [...missing].sort().slice(0, NAMED_MISSING);
    findings.push({
      severity: 'error',
      code: 'MISSING_LINKED_OBJECT',
      key: PACKS_LIST_KEY,
      message:
        `${missing.size} object(s) that commits, trees or tags of the listed packs point to are in no listed pack ` +
        `(${named.join(', ')}${missing.size > named.length ? ', …' : ''}): clones fail with "did not send all necessary objects"`,
    });
  }
  const missingTip = (name: string, oid: string) =>
    findings.push({ severity: 'error', code: 'MISSING_OBJECT', key: PACKED_REFS_KEY, message: `packed-refs: ${name} names ${oid}, which no listed pack holds` });
  for (const ref of parsePackedRefs(packedRefs ?? '')) {
    if (!has(ref.oid)) missingTip(ref.name, ref.oid);
    if (ref.peeled && !has(ref.peeled)) missingTip(`${ref.name}^{}`, ref.peeled);
  }
  return findings;
}
