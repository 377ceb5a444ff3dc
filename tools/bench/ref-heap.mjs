#!/usr/bin/env node
// Heap a parsed ref costs: source refs (ls-refs output, a v0 advertisement through UploadPackClient) and the target's
// info/refs (its text, which a sync keeps, and the parsed refs). The figures behind git-pktline's PARSED_REF_OVERHEAD
// and mirror-core's planSourceLimits. Each case runs in a child process of its own, with --expose-gc.
//
//   node tools/bench/ref-heap.mjs [--refs 200000] [--names 20,40,100,300]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { refs: { type: 'string', default: '200000' }, names: { type: 'string', default: '20,40,100,300' }, child: { type: 'string' } } });
const count = Number(values.refs);

if (values.child) {
  const [kind, nameLength] = [values.child.split(':')[0], Number(values.child.split(':')[1])];
  const { FLUSH_PKT, PktLineReader, parseLsRefs } = await import(`${root}packages/git-pktline/dist/index.js`);
  const { UploadPackClient, parseInfoRefs } = await import(`${root}packages/mirror-core/dist/index.js`);
  const oid = (i) => i.toString(16).padStart(40, '0');
  const name = (i) => {
    const prefix = `refs/heads/b${i}-`;
    return prefix + 'x'.repeat(Math.max(0, nameLength - prefix.length));
  };
  const packet = (line) => (line.length + 4).toString(16).padStart(4, '0') + line;
  const lines = (format) => {
    const buffer = Buffer.allocUnsafe(count * (nameLength + 64));
    let at = 0;
    for (let i = 0; i < count; i++) at += buffer.write(format(i), at);
    return buffer.subarray(0, at);
  };
  async function* chunks(bytes) {
    for (let at = 0; at < bytes.length; at += 65536) yield bytes.subarray(at, at + 65536);
  }
  const unlimited = { maxRefs: Infinity, maxBytes: Infinity };
  const input =
    kind === 'target'
      ? lines((i) => `${oid(i)}\t${name(i)}\n`)
      : Buffer.concat([lines((i) => packet(`${oid(i)} ${name(i)}${kind === 'source-v0' && i === 0 ? '\0side-band-64k ofs-delta' : ''}\n`)), FLUSH_PKT]);
  const gc = () => Array.from({ length: 4 }, () => globalThis.gc());
  gc();
  const before = process.memoryUsage().heapUsed;
  let held;
  if (kind === 'source-ls-refs') held = await parseLsRefs(new PktLineReader(chunks(input)), unlimited);
  else if (kind === 'source-v0') {
    const channel = { url: 'bench', smartHttp: false, advertise: async () => chunks(input), request: async () => chunks(Buffer.alloc(0)) };
    held = (await new UploadPackClient(channel, { protocolVersion: 0, maxRefs: Infinity, maxAdvertisementBytes: Infinity }).listRefs()).refs;
  } else {
    const text = input.toString('utf8');
    held = { text, refs: parseInfoRefs(text) };
  }
  gc();
  const refs = held.refs?.length ?? held.length;
  const lineBytes = kind === 'target' ? nameLength + 42 : nameLength + 46;
  console.log(JSON.stringify({ kind, nameLength, refs, lineBytes, heapPerRef: Math.round((process.memoryUsage().heapUsed - before) / refs) }));
} else {
  console.log('case            name  line  heap/ref  beyond the line');
  for (const nameLength of values.names.split(',').map(Number)) {
    for (const kind of ['source-ls-refs', 'source-v0', 'target']) {
      const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--refs', String(count), '--child', `${kind}:${nameLength}`], { encoding: 'utf8' });
      const r = JSON.parse(out);
      console.log(`${kind.padEnd(15)} ${String(nameLength).padStart(4)}  ${String(r.lineBytes).padStart(4)}  ${String(r.heapPerRef).padStart(8)}  ${String(r.heapPerRef - r.lineBytes).padStart(15)}`);
    }
  }
}
