import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './listen.js';
import { startStaticServer } from './static-server.js';
import { createBareRepo, forEachRef } from './git-fixtures.js';
import { git, runGit } from './git-run.js';
import { tempDir } from './temp-dir.js';

const dir = tempDir();
const exported = `${dir.path}/export/repo.git`;
let server: RunningServer;

beforeAll(async () => {
  createBareRepo(`${dir.path}/source.git`);
  git(dir.path, 'clone', '-q', '--bare', `${dir.path}/source.git`, exported);
  git(exported, 'update-server-info');
  server = await startStaticServer({ root: `${dir.path}/export` });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

/** GET with the path sent exactly as given (fetch would normalize `..` away). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${server.url}${path}`, { path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('static server', () => {
  it('serves a dumb repository that stock git clones over dumb HTTP', async () => {
    const clone = `${dir.path}/clone.git`;
    await runGit(['clone', '-q', '--mirror', `${server.url}/repo.git`, clone], { env: { GIT_SMART_HTTP: '0' } });
    expect(forEachRef(clone)).toBe(forEachRef(exported));
    await runGit(['fsck', '--full', '--strict'], { cwd: clone });
  });

  it('serves file bytes and sizes unchanged', async () => {
    const response = await fetch(`${server.url}/repo.git/info/refs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(git(exported, 'show-ref', '-d').replace(/^(\w+) (.*)$/gm, '$1\t$2'));
    const head = await fetch(`${server.url}/repo.git/HEAD`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String('ref: refs/heads/trunk\n'.length));
  });

  it('answers 404 for missing files, folders and paths outside the root', async () => {
    expect((await fetch(`${server.url}/repo.git/missing`)).status).toBe(404);
    expect((await fetch(`${server.url}/repo.git/objects`)).status).toBe(404);
    expect(await rawGet('/../source.git/HEAD')).toBe(404);
    expect(await rawGet('/%2e%2e/source.git/HEAD')).toBe(404);
  });

  it('refuses writes', async () => {
    expect((await fetch(`${server.url}/repo.git/HEAD`, { method: 'PUT', body: 'x' })).status).toBe(405);
  });
});
