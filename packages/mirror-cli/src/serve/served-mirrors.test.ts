import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@gitmirror/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../config-file.js';
import { resolveSettings } from '../settings.js';
import { servedMirrors, serverSettings } from './served-mirrors.js';

const dir = tempDir();
afterAll(() => dir.remove());
const config = (mirrors: ConfigFile['mirrors'], server?: Record<string, unknown>): ConfigFile => ({ path: 'serve.yaml', values: {}, mirrors, ...(server ? { server } : {}) });
const settings = resolveSettings({}, {});

describe('servedMirrors', () => {
  it('keeps each named mirror with redacted URLs, its webhook matching form and its schedule (or the server default)', () => {
    const served = servedMirrors(config([{ name: 'a', source: 'https://user:hunter2@Example.com/org/a.git', target: '/m/a' }, { name: 'b', source: 'git@example.com:org/b.git', target: '/m/b', schedule: '*/5 * * * *' }], { schedule: '1h' }), settings);
    expect(served.map(({ name, source, matchUrl, schedule }) => ({ name, source, matchUrl, schedule: schedule?.text }))).toEqual([
      { name: 'a', source: expect.not.stringContaining('hunter2'), matchUrl: 'https://example.com/org/a', schedule: '1h' },
      { name: 'b', source: 'git@example.com:org/b.git', matchUrl: 'ssh://git@example.com/org/b', schedule: '*/5 * * * *' },
    ]);
  });

  it('refuses a mirror without a name, a name used twice, and a bad schedule, naming the entry', () => {
    expect(() => servedMirrors(config([{ source: 's', target: 't' }]), settings)).toThrow(/mirror 1: serve needs a name/);
    expect(() => servedMirrors(config([{ name: 'a', source: 's', target: 't' }, { name: 'a', source: 's', target: 'u' }]), settings)).toThrow(/mirror 2: the name 'a' is used twice/);
    expect(() => servedMirrors(config([{ name: 'a', source: 's', target: 't', schedule: 'hourly-ish' }]), settings)).toThrow(/mirror 1 \(a\): schedule: 'hourly-ish' is neither/);
  });
});

describe('serverSettings', () => {
  it('listens on loopback by default, takes --listen over the file, and reads secrets from the environment or files', () => {
    const tokenFile = join(dir.path, 'token');
    writeFileSync(tokenFile, 'from-a-file\n');
    expect(serverSettings(config([]), {}, {})).toEqual({ host: '127.0.0.1', port: 8080, shutdownGraceMs: 30_000, webhookSecret: undefined, apiToken: undefined });
    const file = config([], { listen: ':9000', 'shutdown-grace': '5s', 'api-token-file': tokenFile });
    expect(serverSettings(file, {}, { MIRROR_GIT_TO_S3_WEBHOOK_SECRET: 'hook' })).toMatchObject({ host: '0.0.0.0', port: 9000, shutdownGraceMs: 5000, webhookSecret: 'hook', apiToken: 'from-a-file' });
    expect(serverSettings(file, { listen: '[::1]:7000' }, { MIRROR_GIT_TO_S3_API_TOKEN: 'env wins' })).toMatchObject({ host: '::1', port: 7000, apiToken: 'env wins' });
  });

  it('refuses a bad address, an unknown server setting and an unreadable secret file', () => {
    expect(() => serverSettings(config([]), { listen: 'localhost' }, {})).toThrow(/'localhost' is not host:port/);
    expect(() => serverSettings(config([], { port: 80 }), {}, {})).toThrow(/unknown server setting 'port'/);
    expect(() => serverSettings(config([], { 'webhook-secret-file': join(dir.path, 'missing') }), {}, {})).toThrow(/cannot read server.webhook-secret-file .*ENOENT/);
  });
});
