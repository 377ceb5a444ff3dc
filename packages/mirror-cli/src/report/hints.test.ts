import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ListingLimitError } from '@gitmirror/git-pktline';
import { TransportError } from '@gitmirror/mirror-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../io.js';
import { runLsRefs } from '../run-ls-refs.js';
import { runMirror } from '../run-mirror.js';
import { hintFor } from './hints.js';

const limitError = (limit?: 'maxRefs' | 'maxBytes') =>
  new TransportError('LIMIT_EXCEEDED', 'http://source: too much', limit && { cause: new ListingLimitError(limit, 5000, `more than the limit of 5000 (${limit})`, 0) });

describe('the LIMIT_EXCEEDED hint', () => {
  it('names the option that raises the limit reached', () => {
    expect(hintFor(limitError('maxRefs'))).toBe(
      "the source lists more refs than this run allows; nothing was fetched or written. If it is genuine, raise --max-memory (the default limit follows each repository's share of it) or set --max-refs",
    );
    expect(hintFor(limitError('maxBytes'))).toMatch(/ref listing is larger than this run allows.*raise --max-memory .* or set --max-advertisement$/);
    expect(hintFor(limitError())).toBe(
      "the source sent more than this repository's share of memory can index; nothing was published. If it is genuine, raise --max-memory, or lower --concurrency so that each repository gets a larger share",
    );
  });

  it('leaves the other codes their own hints', () => {
    expect(hintFor(new TransportError('TIMEOUT', 'slow'))).toContain('--timeout');
    expect(hintFor(new Error('plain'))).toBeUndefined();
  });
});

function captureIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    stdin: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
    interruptedBy: () => undefined,
  };
}

function packet(line: string): string {
  return (line.length + 4).toString(16).padStart(4, '0') + line;
}

/** A smart-HTTP source on loopback whose v0 advertisement never ends (`refs/tags/t<i>`, written as fast as read). */
async function endlessSource(): Promise<{ url: string; close: () => Promise<void> }> {
  const oid = '1'.repeat(40);
  const server = createServer((_request, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
    response.write(`${packet('# service=git-upload-pack\n')}0000${packet(`${oid} refs/tags/t0\0side-band-64k ofs-delta\n`)}`);
    let i = 1;
    const more = () => {
      while (!response.destroyed && i < 5_000_000) {
        let chunk = '';
        for (const end = i + 1000; i < end; i++) chunk += packet(`${oid} refs/tags/t${i}\n`);
        if (!response.write(chunk)) return void response.once('drain', more);
      }
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a source whose v0 advertisement never ends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-cli-hints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mirror stops at the ref limit --max-memory leaves the repository and hints how to raise it, writing nothing', async () => {
    const source = await endlessSource();
    try {
      const io = captureIo();
      // 160M leaves one repository 32 MiB: the floor of 100,000 refs.
      const code = await runMirror({ source: [source.url], target: [join(dir, 'target')], maxMemory: '160M', json: true, quiet: true, netrc: false, timeout: '10s' }, io);
      expect(code).toBe(1);
      const { error } = JSON.parse(io.out.join('')).repositories[0];
      expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED', hint: hintFor(limitError('maxRefs')) });
      expect(error.message).toContain('more than the limit of 100000 refs');
      expect(error.message).toContain("the limit follows this repository's 32 MiB share of memory");
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('ls-refs applies the ref limit of the settings, and prints the hint', async () => {
    const source = await endlessSource();
    try {
      const io = captureIo();
      const code = await runLsRefs({ url: source.url, netrc: false, timeout: '10s' }, { ...io, env: { MIRROR_GIT_TO_S3_MAX_REFS: '5000' } });
      expect(code).toBe(1);
      expect(io.out.join('')).toBe('');
      const stderr = io.err.join('');
      expect(stderr).toContain('more than the limit of 5000 refs');
      expect(stderr).toContain('raise --max-refs (maxRefs) if the source is genuine');
      expect(stderr).toContain(`hint: ${hintFor(limitError('maxRefs'))}`);
    } finally {
      await source.close();
    }
  });
});
