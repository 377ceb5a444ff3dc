import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Storage } from '@gitmirror/dumb-storage';
import type { PackIndex } from '@gitmirror/git-pack-stream';
import type { Finding } from './verify-mirror.js';

/**
 * Streams a whole pack once: its SHA-1 must equal the checksum in its name, and the CRC32 of each object's raw
 * entry (from its offset to the next one's) the CRC32 its index records.
 */
export async function checkPackContents(storage: Storage, key: string, size: number, checksum: string, index: PackIndex, signal?: AbortSignal): Promise<Finding[]> {
  const dataEnd = size - 20;
  const order = Array.from({ length: index.objectCount }, (_, i) => i).sort((a, b) => index.offset(a) - index.offset(b));
  const hash = createHash('sha1');
  let position = 0;
  let entry = 0;
  let crc = 0;
  let badCrcs = 0;
  let firstBad: string | undefined;
  const entryEnd = (n: number) => (n + 1 < order.length ? index.offset(order[n + 1]) : dataEnd);

  const { body } = await storage.get(key, { signal });
  for await (const chunk of body) {
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
  }
  const findings: Finding[] = [];
  if (hash.digest('hex') !== checksum) findings.push({ severity: 'error', code: 'PACK_CHECKSUM_MISMATCH', key, message: `${key}: its contents do not hash to the checksum its name carries` });
  if (badCrcs > 0) {
    findings.push({ severity: 'error', code: 'CRC_MISMATCH', key, message: `${key}: ${badCrcs} object(s) do not match the CRC32 in the index (first: ${firstBad})` });
  }
  return findings;
}
