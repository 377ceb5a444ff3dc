import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommandRequest, type CommandRequest } from './command-request.js';
import { MAX_PAYLOAD_SIZE } from './constants.js';
import { PktLineError } from './errors.js';
import { decodeLine } from './packet.js';
import { PktLineReader } from './reader.js';
import { demuxSideBand } from './side-band.js';
import { chunksOf, collect } from './test-support/bytes.js';
import { createSampleRepo, createSandbox, type Sandbox } from './test-support/git.js';

let sandbox: Sandbox;
let repo: string;

beforeAll(async () => {
  sandbox = await createSandbox();
  repo = await createSampleRepo(sandbox);
});

afterAll(() => sandbox.remove());

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Splits a captured client-to-server stream into v2 requests and their bytes (a lone flush ends the session). */
async function parseRequests(bytes: Uint8Array): Promise<{ request: CommandRequest; bytes: Uint8Array }[]> {
  const reader = new PktLineReader(chunksOf([bytes]));
  const requests: { request: CommandRequest; bytes: Uint8Array }[] = [];
  for (;;) {
    const start = reader.offset;
    const first = await reader.read();
    if (first === null || first.kind === 'flush') return requests;
    if (first.kind !== 'data') throw new Error(`unexpected ${first.kind}`);
    const request = { command: decodeLine(first.data).replace(/^command=/, ''), capabilities: [] as string[], args: [] as string[] };
    let section = request.capabilities;
    for (let packet = await reader.read(); packet?.kind !== 'flush'; packet = await reader.read()) {
      if (packet?.kind === 'delim') section = request.args;
      else if (packet?.kind === 'data') section.push(decodeLine(packet.data));
      else throw new Error('truncated request');
    }
    requests.push({ request, bytes: bytes.subarray(start, reader.offset) });
  }
}

describe('encodeCommandRequest', () => {
  it('frames command, capabilities, delim, arguments and flush as gitprotocol-v2 specifies', () => {
    const request = encodeCommandRequest({ command: 'ls-refs', capabilities: ['agent=x'], args: ['peel', 'ref-prefix refs/heads/'] });
    expect(latin1(request)).toBe('0014command=ls-refs\n000cagent=x\n00010009peel\n001bref-prefix refs/heads/\n0000');
    expect(latin1(encodeCommandRequest({ command: 'ls-refs' }))).toBe('0014command=ls-refs\n00010000');
  });

  it('makes git upload-pack answer exactly as it answers git’s own ls-refs and fetch requests', async () => {
    const capture = join(sandbox.root, 'requests');
    await sandbox.git([
      '-c', 'protocol.version=2', 'clone', '-q', '--bare',
      `--upload-pack=tee -a ${capture} | git-upload-pack`, `file://${repo}`, join(sandbox.root, 'clone.git'),
    ]);
    const captured = await sandbox.run('cat', [capture]);
    const requests = await parseRequests(captured);
    expect(requests.map(({ request }) => request.command)).toEqual(['ls-refs', 'fetch']);
    expect(requests[1].request.args).toContain('done');

    // upload-pack relays pack data in pkt-lines as it arrives, so fetch answers are compared demultiplexed.
    const serve = async (command: string, input: Uint8Array) => {
      const answer = await sandbox.git(['-c', 'pack.threads=1', 'upload-pack', '--stateless-rpc', repo], {
        env: { GIT_PROTOCOL: 'version=2' },
        input,
      });
      if (command !== 'fetch') return answer;
      const reader = new PktLineReader(chunksOf([answer]));
      const header = await reader.read();
      return Buffer.concat([header?.kind === 'data' ? header.data : new Uint8Array(), ...(await collect(demuxSideBand(reader)))]);
    };
    for (const { request, bytes } of requests) {
      const ours = encodeCommandRequest(request);
      expect((await parseRequests(ours)).map((parsed) => parsed.request)).toEqual([request]);
      const [answerToOurs, answerToGits] = await Promise.all([serve(request.command, ours), serve(request.command, bytes)]);
      expect(answerToOurs.length).toBeGreaterThan(100);
      expect(Buffer.compare(answerToOurs, answerToGits)).toBe(0);
    }
  });

  it('rejects lines containing a line feed and over-long lines', () => {
    const error = (() => {
      try {
        encodeCommandRequest({ command: 'fetch', args: ['want x\n'] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PktLineError);
    expect(error).toMatchObject({ code: 'INVALID_LINE', offset: -1 });
    expect(() => encodeCommandRequest({ command: 'fetch', args: ['x'.repeat(MAX_PAYLOAD_SIZE)] })).toThrow(
      expect.objectContaining({ code: 'PACKET_TOO_LONG' }),
    );
  });
});
