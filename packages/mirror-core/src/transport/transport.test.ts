import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePacket } from '@gitmirror/git-pktline';
import { createSourceRepo, git, showRefs, startGitHttpServer, suiteDir, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpProxy } from '../test-support/http-proxy.js';
import { objectsBetween } from '../test-support/verify.js';
import { openTransport, type TransportOptions } from './open-transport.js';
import type { Transport } from './transport.js';

const dir = suiteDir();
const source = join(dir.path, 'source');
let server: { url: string; close(): Promise<void> };
const repoUrl = () => `${server.url}/source`;

beforeAll(async () => {
  createSourceRepo(source);
  server = await startGitHttpServer({ projectRoot: dir.path });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Fetches every ref of `transport` and returns the ids of the objects in the pack, as `git index-pack` reads them. */
async function fetchAll(transport: Transport, haves: string[] = []): Promise<{ ids: string[]; progress: string[] }> {
  const { refs } = await transport.listRefs();
  const progress: string[] = [];
  const pack = await readAll(await transport.fetch({ wants: refs.map((ref) => ref.oid), haves, onProgress: (line) => progress.push(line) }));
  const repo = tempDir('mirror-fetch-');
  try {
    git(repo.path, 'init', '-q', '--bare');
    writeFileSync(join(repo.path, 'fetched.pack'), pack);
    execFileSync('git', ['index-pack', join(repo.path, 'fetched.pack')], { cwd: repo.path });
    const listed = execFileSync('git', ['verify-pack', '-v', join(repo.path, 'fetched.pack')], { encoding: 'utf8' });
    return {
      ids: listed
        .split('\n')
        .filter((line) => /^[0-9a-f]{40} /.test(line))
        .map((line) => line.slice(0, 40))
        .sort(),
      progress,
    };
  } finally {
    repo.remove();
  }
}

describe.each([
  { name: 'smart HTTP', url: () => repoUrl(), version: 2 },
  { name: 'smart HTTP forced to v0', url: () => repoUrl(), version: 0 },
  { name: 'local git upload-pack', url: () => source, version: 2 },
  { name: 'local file:// forced to v0', url: () => `file://${source}`, version: 0 },
] as const)('$name', ({ url, version }) => {
  const options: TransportOptions = { protocolVersion: version, netrc: false };

  it('lists refs with peeled tags and the HEAD symref', async () => {
    const transport = await openTransport(url(), options);
    const refs = await transport.listRefs();
    expect(refs.protocolVersion).toBe(version);
    expect(refs.refs).toEqual(showRefs(source));
    expect(refs.head).toEqual({ symref: 'refs/heads/develop' });
  });

  it('fetches a complete pack with progress, and only what the haves lack', async () => {
    const transport = await openTransport(url(), options);
    const all = await fetchAll(transport);
    expect(all.ids).toEqual(objectsBetween(source, ['--all'], []));
    expect(all.progress.length).toBeGreaterThan(0);
    const base = git(source, 'rev-parse', 'v0.1').trim();
    const incremental = await fetchAll(await openTransport(url(), options), [base]);
    expect(incremental.ids).toEqual(objectsBetween(source, ['--all'], [base]));
  });
});

describe('smart HTTP behaviour', () => {
  it('follows redirects and reads gzipped responses', async () => {
    const gzip = await startHttpProxy(server.url, { gzip: true });
    const redirect = await startHttpProxy(gzip.url, {
      intercept: (request, response) => {
        if (!request.url?.startsWith('/old/')) return false;
        response.writeHead(301, { location: `${gzip.url}${request.url.slice(4)}` }).end();
        return true;
      },
    });
    try {
      const transport = await openTransport(`${redirect.url}/old/source`, { netrc: false });
      expect((await transport.listRefs()).refs).toEqual(showRefs(source));
      expect((await fetchAll(transport)).ids).toEqual(objectsBetween(source, ['--all'], []));
      expect(gzip.requests.map((request) => request.method)).toContain('POST');
    } finally {
      await redirect.close();
      await gzip.close();
    }
  });

  it('retries 503 and 429 answers before giving up', async () => {
    const flaky = await startHttpProxy(server.url, {
      intercept: (_request, response, count) => {
        if (count > 2) return false;
        response.writeHead(count === 1 ? 503 : 429, { 'retry-after': '0' }).end();
        return true;
      },
    });
    try {
      const transport = await openTransport(`${flaky.url}/source`, { netrc: false, retryDelay: 1 });
      expect((await transport.listRefs()).refs).toEqual(showRefs(source));
      const failing = await startHttpProxy(server.url, {
        intercept: (_request, response) => {
          response.writeHead(500).end();
          return true;
        },
      });
      const error = await (await openTransport(`${failing.url}/source`, { netrc: false, retries: 2, retryDelay: 1 })).listRefs().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'HTTP_ERROR', status: 500 });
      expect(failing.requests).toHaveLength(3);
      await failing.close();
    } finally {
      await flaky.close();
    }
  });

  it('sends credentials from the URL, .netrc and headers, only to the source origin, and never shows them', async () => {
    const expected = `Basic ${Buffer.from('ada:s3cr3t-pw').toString('base64')}`;
    const guarded = await startHttpProxy(server.url, {
      intercept: (request, response) => {
        const authorized = request.headers.authorization === expected || request.headers['x-token'] === 'tok-123';
        if (authorized) return false;
        response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
        return true;
      },
    });
    const netrc = join(dir.path, 'netrc');
    writeFileSync(netrc, 'machine 127.0.0.1\n  login ada\n  password s3cr3t-pw\n');
    try {
      const port = new URL(guarded.url).port;
      const withUrl = await openTransport(`http://ada:s3cr3t-pw@127.0.0.1:${port}/source`, { netrc: false });
      expect(withUrl.url).not.toContain('s3cr3t-pw');
      expect((await withUrl.listRefs()).refs).toHaveLength(showRefs(source).length);
      expect((await (await openTransport(`${guarded.url}/source`, { netrc })).listRefs()).refs.length).toBeGreaterThan(0);
      expect((await (await openTransport(`${guarded.url}/source`, { netrc: false, headers: { 'X-Token': 'tok-123' } })).listRefs()).refs.length).toBeGreaterThan(0);

      const redirect = await startHttpProxy(guarded.url, {
        intercept: (request, response) => {
          response.writeHead(302, { location: `${guarded.url}${request.url}` }).end();
          return true;
        },
      });
      const redirected = await openTransport(`${redirect.url}/source`, { netrc: false, headers: { 'X-Token': 'tok-123' } });
      await expect(redirected.listRefs()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      expect(redirect.requests[0].headers['x-token']).toBe('tok-123');
      expect(guarded.requests.at(-1)?.headers['x-token']).toBeUndefined();
      await redirect.close();

      const denied = await openTransport(`http://ada:wrong-pw@127.0.0.1:${port}/source`, { netrc: false });
      const error = (await denied.listRefs().catch((e: unknown) => e)) as Error & { code: string };
      expect(error.code).toBe('AUTH_FAILED');
      expect(`${error.message} ${String(error.stack)}`).not.toContain('wrong-pw');
      expect(error.message).toContain('check the credentials');
    } finally {
      await guarded.close();
    }
  });

  it('reports a connection dropped in the middle of the pack', async () => {
    const dropping = await startHttpProxy(server.url, { dropPostResponseAfter: 2000 });
    try {
      const transport = await openTransport(`${dropping.url}/source`, { netrc: false });
      const error = await fetchAll(transport).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST' });
    } finally {
      await dropping.close();
    }
  });

  it('releases the response when the server answers the fetch with an error line', async () => {
    let released = false;
    const refusing = await startHttpProxy(server.url, {
      intercept: (_request, response, count) => {
        if (count < 3) return false; // the advertisement and ls-refs go through; the fetch is refused and left open
        response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' }).write(encodePacket('ERR no pack today\n'));
        response.on('close', () => (released = true));
        return true;
      },
    });
    try {
      const transport = await openTransport(`${refusing.url}/source`, { netrc: false });
      await expect(fetchAll(transport)).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringContaining('no pack today') });
      expect(refusing.requests.map((request) => request.method)).toEqual(['GET', 'POST', 'POST']);
      await vi.waitFor(() => expect(released).toBe(true));
    } finally {
      await refusing.close();
    }
  });

  it('times out when the server stops answering', async () => {
    const silent = await startHttpProxy(server.url, { intercept: () => true });
    try {
      const transport = await openTransport(`${silent.url}/source`, { netrc: false, timeout: 200, retries: 0 });
      await expect(transport.listRefs()).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await silent.close();
    }
  });

  it('tells a dumb or missing server apart from a smart one', async () => {
    const error = await (await openTransport(`${server.url}/missing`, { netrc: false, retries: 0 })).listRefs().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('dumb HTTP servers', () => {
  it('reports a server answering plain files as not smart, leaving no stray error behind', async () => {
    const dumb = await startHttpProxy('http://127.0.0.1:1', {
      intercept: (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('0123456789abcdef0123456789abcdef01234567\trefs/heads/main\n');
        return true;
      },
    });
    try {
      const transport = await openTransport(`${dumb.url}/mirror`, { netrc: false, retries: 0 });
      await expect(transport.listRefs()).rejects.toMatchObject({ code: 'NOT_SMART_SERVER' });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await dumb.close();
    }
  });
});

describe('local git upload-pack', () => {
  it('reports a path that is not a repository', async () => {
    const error = await (await openTransport(join(dir.path, 'nothing-here'))).listRefs().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPLOAD_PACK_FAILED' });
  });

  it('rejects unsupported URLs', async () => {
    await expect(openTransport('ftp://example.com/repo')).rejects.toMatchObject({ code: 'INVALID_URL' });
  });
});
