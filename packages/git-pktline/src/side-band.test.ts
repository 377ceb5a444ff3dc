import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommandRequest } from './command-request.js';
import { DELIM_PKT, FLUSH_PKT, RESPONSE_END_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError, RemoteError, SideBandError } from './errors.js';
import type { Packet } from './packet.js';
import { PktLineReader } from './reader.js';
import { demuxSideBand, demuxSideBandPackets } from './side-band.js';
import { chunksOf, collect, concat, splitAt, utf8 } from './test-support/bytes.js';
import { createSampleRepo, createSandbox, type Sandbox } from './test-support/git.js';

const band = (number: number, payload: string | Uint8Array) =>
  encodePacket(concat([Uint8Array.of(number), typeof payload === 'string' ? utf8(payload) : payload]));

const text = (chunks: readonly Uint8Array[]) => Buffer.from(concat(chunks)).toString('latin1');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('demuxSideBand on real git upload-pack responses', () => {
  let sandbox: Sandbox;
  let repo: string;
  let wants: string[];
  let objectCount: number;

  beforeAll(async () => {
    sandbox = await createSandbox();
    repo = await createSampleRepo(sandbox);
    wants = (await sandbox.gitText(['-C', repo, 'rev-parse', 'trunk', 'feature/x'])).trim().split('\n');
    objectCount = Number(await sandbox.gitText(['-C', repo, 'rev-list', '--objects', '--count', ...wants]));
  });

  afterAll(() => sandbox.remove());

  const uploadPack = (input: Uint8Array, protocol?: string, config: string[] = []) =>
    sandbox.git([...config, 'upload-pack', '--stateless-rpc', repo], {
      env: protocol ? { GIT_PROTOCOL: protocol } : {},
      input,
      allowFailure: true,
    });

  /** Indexes a pack with git itself and returns how many objects it holds (index-pack checks the trailer). */
  async function indexedObjectCount(pack: Uint8Array): Promise<number> {
    const path = join(sandbox.root, `received-${Date.now()}-${Math.random()}.pack`);
    await writeFile(path, pack);
    await sandbox.git(['index-pack', path]);
    const index = await sandbox.run('sh', ['-c', `git show-index < "${path.replace(/\.pack$/, '.idx')}"`]);
    return index.toString().trim().split('\n').length;
  }

  it('extracts the pack of a v2 fetch, with progress, and leaves the reader at the end', async () => {
    const args = [...wants.map((oid) => `want ${oid}`), 'ofs-delta', 'done'];
    const response = await uploadPack(encodeCommandRequest({ command: 'fetch', args }), 'version=2');
    const reader = new PktLineReader(chunksOf([response]));
    expect(await reader.read()).toEqual({ kind: 'data', data: utf8('packfile\n') });
    const progress: string[] = [];
    const pack = concat(await collect(demuxSideBand(reader, { onProgress: (line) => progress.push(line) })));
    expect(await reader.read()).toBeNull();
    expect(text([pack.subarray(0, 4)])).toBe('PACK');
    expect(await indexedObjectCount(pack)).toBe(objectCount);
    expect(progress.some((line) => line.startsWith(`Total ${objectCount} `))).toBe(true);
  });

  it('extracts the same pack whatever the chunking', async () => {
    const args = [...wants.map((oid) => `want ${oid}`), 'no-progress', 'done'];
    const response = await uploadPack(encodeCommandRequest({ command: 'fetch', args }), 'version=2');
    const demux = async (chunks: Uint8Array[]) => {
      const reader = new PktLineReader(chunksOf(chunks));
      await reader.read();
      return concat(await collect(demuxSideBand(reader)));
    };
    const whole = await demux([response]);
    expect(await indexedObjectCount(whole)).toBe(objectCount);
    for (let position = 1; position < response.length; position += 7) {
      expect(Buffer.compare(await demux(splitAt(response, [position])), whole), `split at ${position}`).toBe(0);
    }
    const bytewise = splitAt(response, Array.from({ length: response.length - 1 }, (_, i) => i + 1));
    expect(Buffer.compare(await demux(bytewise), whole)).toBe(0);
  });

  it('extracts the pack after NAK in a v0 side-band-64k exchange', async () => {
    const request = concat([
      encodePacket(`want ${wants[0]} side-band-64k ofs-delta\n`),
      encodePacket(`want ${wants[1]}\n`),
      FLUSH_PKT,
      encodePacket('done\n'),
    ]);
    const reader = new PktLineReader(chunksOf([await uploadPack(request)]));
    expect(await reader.read()).toEqual({ kind: 'data', data: utf8('NAK\n') });
    const pack = concat(await collect(demuxSideBand(reader, { onProgress: () => {} })));
    expect(await indexedObjectCount(pack)).toBe(objectCount);
    expect(await reader.read()).toBeNull();
  });

  it('demultiplexes a whole sideband-all v2 response, section header included', async () => {
    const args = [...wants.map((oid) => `want ${oid}`), 'sideband-all', 'done'];
    const response = await uploadPack(encodeCommandRequest({ command: 'fetch', args }), 'version=2', [
      '-c',
      'uploadpack.allowSidebandAll=true',
    ]);
    expect(response[4]).toBe(1);
    const progress: string[] = [];
    const packets = await collect(
      demuxSideBandPackets(new PktLineReader(chunksOf([response])), { onProgress: (line) => progress.push(line) }),
    );
    expect(packets[0]).toEqual({ kind: 'data', data: utf8('packfile\n') });
    expect(packets.at(-1)).toEqual({ kind: 'flush' });
    const pack = concat(packets.slice(1, -1).map((packet) => (packet.kind === 'data' ? packet.data : new Uint8Array())));
    expect(await indexedObjectCount(pack)).toBe(objectCount);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('surfaces git’s ERR packet for a want it does not have', async () => {
    const args = [`want ${'1'.repeat(40)}`, 'done'];
    const response = await uploadPack(encodeCommandRequest({ command: 'fetch', args }), 'version=2');
    const error = await rejection(collect(demuxSideBand(new PktLineReader(chunksOf([response])))));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ remoteMessage: `upload-pack: not our ref ${'1'.repeat(40)}` });
  });
});

describe('demuxSideBand', () => {
  it('yields band 1 as views, reports progress lines and stops at the flush', async () => {
    const stream = concat([
      band(1, 'PACK'),
      band(2, 'Counting objects:  50% (1/2)\r'),
      band(2, 'Counting objects: 100% (2/2)\rCounting objects: 100% (2/2), done.\nCompr'),
      band(1, '\x00\x00\x00\x02'),
      band(2, 'essing: 100%\n'),
      band(2, 'tail without newline'),
      FLUSH_PKT,
      encodePacket('after\n'),
    ]);
    const reader = new PktLineReader(
      (async function* () {
        yield stream;
      })(),
    );
    const progress: string[] = [];
    const data = await collect(demuxSideBand(reader, { onProgress: (line) => progress.push(line) }));
    expect(text(data)).toBe('PACK\x00\x00\x00\x02');
    expect(data.every((chunk) => chunk.buffer === stream.buffer)).toBe(true);
    expect(progress).toEqual([
      'Counting objects:  50% (1/2)',
      'Counting objects: 100% (2/2)',
      'Counting objects: 100% (2/2), done.',
      'Compressing: 100%',
      'tail without newline',
    ]);
    expect(await reader.read()).toEqual({ kind: 'data', data: utf8('after\n') });
  });

  it('joins multi-byte characters split across progress packets', async () => {
    const snowman = utf8('☃ done\n');
    const progress: string[] = [];
    const packets = [band(2, snowman.subarray(0, 2)), band(2, snowman.subarray(2)), FLUSH_PKT];
    await collect(demuxSideBand(new PktLineReader(chunksOf(packets)), { onProgress: (line) => progress.push(line) }));
    expect(progress).toEqual(['☃ done']);
  });

  it('reads past flushes to the end of stream when stopAtFlush is false, and stops at response-end', async () => {
    const packets = [band(1, 'a'), FLUSH_PKT, band(1, 'b'), DELIM_PKT, band(1, 'c'), RESPONSE_END_PKT, band(1, 'd')];
    const all = await collect(demuxSideBand(new PktLineReader(chunksOf(packets)), { stopAtFlush: false }));
    expect(text(all)).toBe('abc');
    const untilFlush = await collect(demuxSideBand(new PktLineReader(chunksOf(packets))));
    expect(text(untilFlush)).toBe('a');
  });

  it('accepts any AsyncIterable of packets', async () => {
    const packets: Packet[] = [
      { kind: 'data', data: Uint8Array.of(1, 0x41) },
      { kind: 'data', data: Uint8Array.of(1) },
      { kind: 'flush' },
    ];
    const source = (async function* () {
      yield* packets;
    })();
    expect(text(await collect(demuxSideBand(source)))).toBe('A');
  });

  it('throws SideBandError with the message from band 3, after delivering pending progress', async () => {
    const progress: string[] = [];
    const packets = [band(1, 'PA'), band(2, 'Enumerating'), band(3, 'upload-pack: not our ref deadbeef\n'), FLUSH_PKT];
    const received: Uint8Array[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of demuxSideBand(new PktLineReader(chunksOf(packets)), { onProgress: (line) => progress.push(line) })) {
          received.push(chunk);
        }
      })(),
    );
    expect(error).toBeInstanceOf(SideBandError);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', remoteMessage: 'upload-pack: not our ref deadbeef' });
    expect(text(received)).toBe('PA');
    expect(progress).toEqual(['Enumerating']);
  });

  it('throws RemoteError for an ERR packet', async () => {
    const packets = [encodePacket('ERR access denied\n')];
    const error = await rejection(collect(demuxSideBand(new PktLineReader(chunksOf(packets)))));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).not.toBeInstanceOf(SideBandError);
    expect(error).toMatchObject({ remoteMessage: 'access denied' });
  });

  it.each([
    ['an unknown band', band(4, 'x'), 'UNKNOWN_BAND'],
    ['band 0', band(0, 'x'), 'UNKNOWN_BAND'],
    ['an empty packet', encodePacket(''), 'MISSING_BAND'],
  ])('rejects %s with the packet offset', async (_, packet, code) => {
    const error = await rejection(collect(demuxSideBand(new PktLineReader(chunksOf([band(1, 'ok'), packet])))));
    expect(error).toBeInstanceOf(PktLineError);
    expect(error).toMatchObject({ code, offset: 7 });
  });

  it('propagates framing errors of the underlying reader', async () => {
    const error = await rejection(collect(demuxSideBand(new PktLineReader(chunksOf([band(1, 'ok'), utf8('00')])))));
    expect(error).toMatchObject({ code: 'UNEXPECTED_EOF', offset: 7 });
  });
});

describe('demuxSideBandPackets', () => {
  it('strips band designators and passes special packets through', async () => {
    const progress: string[] = [];
    const packets = [
      band(1, 'acknowledgments\n'),
      band(2, 'working\n'),
      band(1, 'ready\n'),
      DELIM_PKT,
      band(1, 'packfile\n'),
      band(1, 'PACK'),
      FLUSH_PKT,
    ];
    const output = await collect(
      demuxSideBandPackets(new PktLineReader(chunksOf(packets)), { onProgress: (line) => progress.push(line) }),
    );
    expect(output.map((packet) => (packet.kind === 'data' ? text([packet.data]) : packet.kind))).toEqual([
      'acknowledgments\n',
      'ready\n',
      'delim',
      'packfile\n',
      'PACK',
      'flush',
    ]);
    expect(progress).toEqual(['working']);
  });
});
