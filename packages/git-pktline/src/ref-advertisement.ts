import { PktLineError } from './errors.js';
import { ListingMeter, type ListingLimits } from './limits.js';
import { isObjectId } from './object-id.js';
import type { PktLineReader } from './reader.js';
import { malformedLine, readTextLines, type TextLine } from './text-lines.js';

/** One ref as advertised by the server. */
export interface AdvertisedRef {
  /** Full ref name, e.g. `HEAD` or `refs/heads/main`. */
  name: string;
  /** Object id the ref points to; the all-zero id for an unborn ref. */
  oid: string;
  /** For an annotated tag: the object it finally points to (`^{}` line, or `peeled:` in ls-refs). */
  peeled?: string;
  /** For a symbolic ref: the ref it points to (`symref=` capability, or `symref-target:` in ls-refs). */
  symrefTarget?: string;
  /** The ref is a symbolic ref to a branch that does not exist yet (ls-refs `unborn`). */
  unborn?: boolean;
}

/** The server's first response: its refs (protocol v0/v1) or its capabilities (protocol v2). */
export interface RefAdvertisement {
  version: 0 | 1 | 2;
  /** Advertised refs in server order; empty for v2 (use ls-refs) and for an empty repository. */
  refs: AdvertisedRef[];
  /**
   * v0/v1: the capabilities after the NUL of the first line; v2: the capability lines.
   * `key=value` maps to the value, a bare `key` to `true`; a repeated key (`symref`) keeps its last value.
   */
  capabilities: Map<string, string | true>;
  /** Symbolic refs from `symref=<name>:<target>` capabilities, e.g. `HEAD` → `refs/heads/main`. */
  symrefs: Map<string, string>;
  /** The service named by a smart-HTTP `# service=<name>` prelude, e.g. `git-upload-pack`. */
  service?: string;
  /** Shallow commits the server announced with `shallow <oid>` lines (v0/v1 on a shallow repository). */
  shallow?: string[];
}

/** Options for {@link parseRefAdvertisement}; the limits apply to the whole response, prelude included. */
export interface ParseRefAdvertisementOptions extends ListingLimits {
  /**
   * The bytes are a smart-HTTP `info/refs` response: require the `# service=` prelude unless the
   * server answers with `version 2` directly (as `git http-backend` does for v2). A prelude is
   * accepted without this option too.
   */
  smartHttp?: boolean;
}

const SECTION = 'ref advertisement';
const SERVICE_PREFIX = '# service=';
const CAPABILITIES_PLACEHOLDER = 'capabilities^{}';
const PEELED_SUFFIX = '^{}';
const V2_CAPABILITY = /^[A-Za-z0-9_-]+(?:=.*)?$/;

/**
 * Parses a ref advertisement from `git upload-pack` or `git receive-pack` (`--advertise-refs`,
 * an `info/refs?service=` response, or the start of a `git://`/ssh conversation), consuming it
 * up to and including its final flush so the reader is positioned for the next phase.
 * @throws PktLineError `BAD_ADVERTISEMENT` on malformed lines, `UNEXPECTED_EOF` if it is cut short,
 *   `LIMIT_EXCEEDED` past `maxRefs` or `maxBytes`; RemoteError if the server answered with an `ERR` packet.
 */
export async function parseRefAdvertisement(
  reader: PktLineReader,
  options: ParseRefAdvertisementOptions = {},
): Promise<RefAdvertisement> {
  const advertisement: RefAdvertisement = { version: 0, refs: [], capabilities: new Map(), symrefs: new Map() };
  const start = reader.offset;
  const meter = new ListingMeter(reader, SECTION, options);
  let lines = meteredLines(reader, meter);
  let line = await nextLine(lines);

  if (line?.text.startsWith(SERVICE_PREFIX)) {
    advertisement.service = line.text.slice(SERVICE_PREFIX.length);
    // git ignores further header lines up to the flush that ends the prelude.
    while ((await nextLine(lines)) !== undefined);
    lines = meteredLines(reader, meter);
    line = await nextLine(lines);
  } else if (options.smartHttp && line?.text !== 'version 2') {
    const offset = line?.offset ?? start;
    throw new PktLineError('BAD_ADVERTISEMENT', `smart-HTTP ${SECTION} does not start with "${SERVICE_PREFIX}"`, offset);
  }

  if (line?.text === 'version 2') return parseV2Capabilities(advertisement, lines);
  if (line?.text === 'version 1') {
    advertisement.version = 1;
    line = await nextLine(lines);
  }
  if (line === undefined) return advertisement;

  parseFirstLine(advertisement, line, meter);
  for await (const next of lines) parseLine(advertisement, next, meter);
  for (const ref of advertisement.refs) {
    const target = advertisement.symrefs.get(ref.name);
    if (target !== undefined) ref.symrefTarget = target;
  }
  return advertisement;
}

async function parseV2Capabilities(
  advertisement: RefAdvertisement,
  lines: AsyncIterable<TextLine>,
): Promise<RefAdvertisement> {
  advertisement.version = 2;
  for await (const line of lines) {
    if (!V2_CAPABILITY.test(line.text)) throw malformedLine(SECTION, 'invalid capability', line);
    addCapability(advertisement.capabilities, line.text);
  }
  return advertisement;
}

async function* meteredLines(reader: PktLineReader, meter: ListingMeter): AsyncGenerator<TextLine, void, undefined> {
  for await (const line of readTextLines(reader, SECTION)) {
    meter.line(line);
    yield line;
  }
}

async function nextLine(lines: AsyncGenerator<TextLine, void, undefined>): Promise<TextLine | undefined> {
  const result = await lines.next();
  return result.done ? undefined : result.value;
}

function parseFirstLine(advertisement: RefAdvertisement, line: TextLine, meter: ListingMeter): void {
  const nul = line.text.indexOf('\0');
  if (nul < 0) throw malformedLine(SECTION, 'missing NUL before the capabilities', line);
  for (const capability of line.text.slice(nul + 1).split(' ')) {
    if (capability === '') continue;
    addCapability(advertisement.capabilities, capability);
    if (capability.startsWith('symref=')) {
      const [name, target] = splitOnce(capability.slice('symref='.length), ':');
      if (!name || !target) throw malformedLine(SECTION, `invalid capability "${capability}"`, line);
      advertisement.symrefs.set(name, target);
    }
  }
  const [oid, name] = parseRef({ ...line, text: line.text.slice(0, nul) });
  if (name === CAPABILITIES_PLACEHOLDER) {
    if (!/^0+$/.test(oid)) throw malformedLine(SECTION, `${CAPABILITIES_PLACEHOLDER} with a non-zero id`, line);
    return;
  }
  meter.ref(line);
  advertisement.refs.push({ name, oid });
}

function parseLine(advertisement: RefAdvertisement, line: TextLine, meter: ListingMeter): void {
  if (line.text.startsWith('shallow ')) {
    const oid = line.text.slice('shallow '.length);
    if (!isObjectId(oid)) throw malformedLine(SECTION, 'invalid object id', line);
    meter.ref(line);
    (advertisement.shallow ??= []).push(oid);
    return;
  }
  if (line.text.includes('\0')) throw malformedLine(SECTION, 'capabilities after the first line', line);
  if (advertisement.shallow) throw malformedLine(SECTION, 'ref after the shallow lines', line);
  const [oid, name] = parseRef(line);
  const previous = advertisement.refs.at(-1);
  if (name.endsWith(PEELED_SUFFIX)) {
    if (previous?.name !== name.slice(0, -PEELED_SUFFIX.length) || previous.peeled !== undefined) {
      throw malformedLine(SECTION, 'peeled ref does not follow its tag', line);
    }
    previous.peeled = oid;
    return;
  }
  meter.ref(line);
  advertisement.refs.push({ name, oid });
}

/** Splits `<oid> SP <name>` and validates both. */
function parseRef(line: TextLine): [oid: string, name: string] {
  const [oid, name] = splitOnce(line.text, ' ');
  if (!isObjectId(oid)) throw malformedLine(SECTION, 'invalid object id', line);
  if (!name || /[\s\0]/.test(name)) throw malformedLine(SECTION, 'invalid ref name', line);
  return [oid, name];
}

function addCapability(capabilities: Map<string, string | true>, capability: string): void {
  const [key, value] = splitOnce(capability, '=');
  capabilities.set(key, value ?? true);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}
