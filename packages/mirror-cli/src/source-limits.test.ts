import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { runMirror } from './run-mirror.js';
import { resolveSettings } from './settings.js';

function captureIo(): Io & { out: string[] } {
  const out: string[] = [];
  const write = (text: string) => out.push(text);
  return { out, stdout: { write }, stderr: { write: () => {} }, stdin: new PassThrough(), env: {}, signal: new AbortController().signal, interruptedBy: () => undefined };
}

describe('source limits settings', () => {
  it('reads --deadline, --min-rate, --max-refs and --max-advertisement from flags, environment and config file', () => {
    const flags = resolveSettings({ deadline: '10m', minRate: '1KiB/s', maxRefs: 5000, maxAdvertisement: '64M' }, {});
    expect(flags).toMatchObject({ deadline: 600_000, minRate: 1024, maxRefs: 5000, maxAdvertisement: 64 * 1024 ** 2 });
    const env = { MIRROR_GIT_TO_S3_DEADLINE: '90s', MIRROR_GIT_TO_S3_MIN_RATE: '512B/s', MIRROR_GIT_TO_S3_MAX_REFS: '7', MIRROR_GIT_TO_S3_MAX_ADVERTISEMENT: '2M' };
    expect(resolveSettings({}, env)).toMatchObject({ deadline: 90_000, minRate: 512, maxRefs: 7, maxAdvertisement: 2 * 1024 ** 2 });
    const file = { path: 'mirrors.yaml', values: { deadline: '1h', minRate: 2048, maxRefs: 9, maxAdvertisement: '1G' } };
    expect(resolveSettings({}, {}, file)).toMatchObject({ deadline: 3_600_000, minRate: 2048, maxRefs: 9, maxAdvertisement: 1024 ** 3 });
    const none = resolveSettings({}, {});
    expect([none.deadline, none.minRate, none.maxRefs, none.maxAdvertisement]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('names the flag or variable holding a bad value', () => {
    expect(() => resolveSettings({ minRate: 'fast' }, {})).toThrow(/^--min-rate: 'fast' is not a transfer rate/);
    expect(() => resolveSettings({}, { MIRROR_GIT_TO_S3_DEADLINE: 'soon' })).toThrow(/^MIRROR_GIT_TO_S3_DEADLINE: /);
    expect(() => resolveSettings({ maxRefs: 0 }, {})).toThrow(/^--max-refs: /);
  });
});

describe('runMirror with a source that drips its advertisement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-cli-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the repository at --deadline though --timeout never fires, writing nothing', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      const advertisement = Buffer.from('001e# service=git-upload-pack\n0000');
      let at = 0;
      const timer = setInterval(() => (at < advertisement.length ? response.write(advertisement.subarray(at++, at)) : undefined), 200);
      response.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`;
      const io = captureIo();
      const started = performance.now();
      const code = await runMirror({ source: [url], target: [join(dir, 'target')], deadline: '1s', timeout: '5s', json: true, quiet: true, netrc: false }, io);
      expect(performance.now() - started).toBeLessThan(4000);
      expect(code).toBe(1);
      const report = JSON.parse(io.out.join(''));
      expect(JSON.stringify(report)).toMatch(/"code":"TIMEOUT"/);
      expect(JSON.stringify(report)).toMatch(/deadline of 1 s/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
