import { ListingMeter, type ListingLimits } from './limits.js';
import { isObjectId, ZERO_OID } from './object-id.js';
import type { PktLineReader } from './reader.js';
import type { AdvertisedRef } from './ref-advertisement.js';
import { malformedLine, readTextLines } from './text-lines.js';

const SECTION = 'ls-refs response';
const UNBORN = 'unborn';
const SYMREF_TARGET = 'symref-target:';
const PEELED = 'peeled:';

/**
 * Parses the output of a protocol v2 `ls-refs` command up to and including its flush:
 * `<oid> <name>[ symref-target:<target>][ peeled:<oid>]` lines, and `unborn <name> symref-target:<target>`
 * for a symbolic ref to a branch with no commits (reported with the all-zero id and `unborn: true`).
 * Unknown attributes are ignored, as the protocol allows new ones.
 * @throws PktLineError `BAD_ADVERTISEMENT` on a malformed line, `UNEXPECTED_EOF` if cut short, `LIMIT_EXCEEDED`
 *   past `limits`; RemoteError on an `ERR` packet.
 */
export async function parseLsRefs(reader: PktLineReader, limits: ListingLimits = {}): Promise<AdvertisedRef[]> {
  const refs: AdvertisedRef[] = [];
  const meter = new ListingMeter(reader, SECTION, limits);
  for await (const line of readTextLines(reader, SECTION)) {
    meter.line(line);
    meter.ref(line);
    const [id, name, ...attributes] = line.text.split(' ');
    const unborn = id === UNBORN;
    if (!unborn && !isObjectId(id)) throw malformedLine(SECTION, 'invalid object id', line);
    if (!name) throw malformedLine(SECTION, 'missing ref name', line);
    const ref: AdvertisedRef = { name, oid: unborn ? ZERO_OID : id };
    if (unborn) ref.unborn = true;
    for (const attribute of attributes) {
      if (attribute.startsWith(SYMREF_TARGET)) {
        ref.symrefTarget = attribute.slice(SYMREF_TARGET.length);
        if (!ref.symrefTarget) throw malformedLine(SECTION, 'empty symref-target', line);
      } else if (attribute.startsWith(PEELED)) {
        ref.peeled = attribute.slice(PEELED.length);
        if (!isObjectId(ref.peeled)) throw malformedLine(SECTION, 'invalid peeled object id', line);
      } else if (attribute === '') {
        throw malformedLine(SECTION, 'empty attribute', line);
      }
    }
    refs.push(ref);
  }
  return refs;
}
