import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSourceRepo, forEachRef, git, showRefs, startGitHttpServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Head } from './dumb-repo/head.js';
import { mirrorRepo } from './mirror-repo.js';
import type { MirrorRef } from './refs.js';
import type { SourceRefs, Transport } from './transport/transport.js';

/** A source whose advertisement a test writes; fetching from it fails the test. */
function fakeSource(advertised: SourceRefs): Transport & { fetches: number } {
  return {
    url: 'fake://hostile',
    fetches: 0,
    async listRefs() {
      return structuredClone(advertised);
    },
    async fetch() {
      this.fetches++;
      throw new Error('a hostile advertisement must not lead to a fetch');
    },
  };
}

/** Every file under `root` with its bytes. */
function snapshot(root: string): Map<string, string> {
  const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(files.map((entry) => [join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name), 'hex')]));
}

/** A character a terminal acts on: C0 but the tab, DEL, C1. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

type Case = [label: string, code: string, shown: string, hostile: (refs: MirrorRef[], head: Head) => { refs: MirrorRef[]; head?: Head }];

const CASES: Case[] = [
  ['a newline forging a line of info/refs', 'INVALID_REF_NAME', '\\n', (refs, head) => ({ refs: [...refs, { name: `refs/heads/x\n${refs[0].oid}\trefs/heads/forged`, oid: refs[0].oid }], head })],
  ['".." climbing out of refs/', 'INVALID_REF_NAME', '"refs/heads/../../../config"', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/../../../config', oid: refs[0].oid }], head })],
  ['an escape sequence', 'INVALID_REF_NAME', '\\x1b[2J', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/a\x1b[2J', oid: refs[0].oid }], head })],
  ['a NUL', 'INVALID_REF_NAME', '\\x00', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/a\0b', oid: refs[0].oid }], head })],
  ['a space', 'INVALID_REF_NAME', 'a space', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/a b', oid: refs[0].oid }], head })],
  ['a tab', 'INVALID_REF_NAME', 'control character', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/a\tb', oid: refs[0].oid }], head })],
  ['a leading /', 'INVALID_REF_NAME', 'not under refs/', (refs, head) => ({ refs: [...refs, { name: '/refs/heads/x', oid: refs[0].oid }], head })],
  ['a .lock suffix', 'INVALID_REF_NAME', '.lock', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/main.lock', oid: refs[0].oid }], head })],
  ['a name outside refs/', 'INVALID_REF_NAME', 'not under refs/', (refs, head) => ({ refs: [...refs, { name: 'FETCH_HEAD', oid: refs[0].oid }], head })],
  ['HEAD on a path out of the repository', 'INVALID_REF_NAME', '"../../../../etc/passwd"', (refs) => ({ refs, head: { symref: '../../../../etc/passwd' } })],
  ['HEAD on FETCH_HEAD', 'INVALID_REF_NAME', '"FETCH_HEAD"', (refs) => ({ refs, head: { symref: 'FETCH_HEAD' } })],
  ['HEAD with a newline', 'INVALID_REF_NAME', '\\n', (refs) => ({ refs, head: { symref: 'refs/heads/main\nref: refs/heads/x' } })],
  ['one name at two objects', 'DUPLICATE_REF', 'more than once', (refs, head) => ({ refs: [...refs, { name: refs[0].name, oid: refs[1].oid }], head })],
  ['one name twice at one object', 'DUPLICATE_REF', 'more than once', (refs, head) => ({ refs: [...refs, { ...refs[0] }], head })],
  ['an uppercase object id', 'INVALID_OBJECT_ID', 'not a SHA-1 id', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/upper', oid: refs[0].oid.toUpperCase() }], head })],
  ['a SHA-256 object id', 'INVALID_OBJECT_ID', 'not a SHA-1 id', (refs, head) => ({ refs: [...refs, { name: 'refs/heads/long', oid: 'a'.repeat(64) }], head })],
  ['a bad peeled id', 'INVALID_OBJECT_ID', 'not a SHA-1 id', (refs, head) => ({ refs: [...refs, { name: 'refs/tags/t', oid: refs[0].oid, peeled: 'xyz' }], head })],
  ['a detached HEAD at a bad id', 'INVALID_OBJECT_ID', 'HEAD', (refs) => ({ refs, head: { oid: '0123' } })],
];

describe('mirrorRepo refuses a hostile ref advertisement, leaving the target untouched', () => {
  const dir = suiteDir('mirror-hostile-refs-');
  const source = join(dir.path, 'source');
  const folder = join(dir.path, 'folder.git');
  let server: Awaited<ReturnType<typeof startGitHttpServer>>;
  let refs: MirrorRef[];
  let head: Head;

  beforeAll(async () => {
    createSourceRepo(source);
    refs = showRefs(source);
    head = { symref: git(source, 'symbolic-ref', 'HEAD').trim() };
    git(dir.path, 'init', '-q', '--bare', 'pushed.git');
    server = await startGitHttpServer({ projectRoot: dir.path, receivePack: true });
    await mirrorRepo(source, folder);
    await mirrorRepo(source, `${server.url}/pushed.git`, { netrc: false });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('takes the unmodified advertisement as up to date (the fake source works)', async () => {
    const fake = fakeSource({ protocolVersion: 2, refs, head });
    await expect(mirrorRepo(fake, folder)).resolves.toMatchObject({ upToDate: true });
    await expect(mirrorRepo(fake, `${server.url}/pushed.git`, { netrc: false })).resolves.toMatchObject({ upToDate: true });
  });

  it('checks only the refs the filters keep, so --exclude-ref can leave a bad one out', async () => {
    const fake = fakeSource({ protocolVersion: 2, refs: [...refs, { name: 'refs/heads/evil\x1b[2J', oid: refs[0].oid }], head });
    await expect(mirrorRepo(fake, folder, { exclude: ['refs/heads/evil*'] })).resolves.toMatchObject({ upToDate: true });
    await expect(mirrorRepo(fake, `${server.url}/pushed.git`, { netrc: false, exclude: ['refs/heads/evil*'] })).resolves.toMatchObject({ upToDate: true });
    await expect(mirrorRepo(fake, folder)).rejects.toMatchObject({ code: 'INVALID_REF_NAME' });
  });

  it.each(CASES)('%s: %s', async (_, code, shown, hostile) => {
    for (const protocolVersion of [0, 2] as const) {
      const fake = fakeSource({ protocolVersion, ...hostile(refs, head) });
      const before = snapshot(folder);
      const pushedBefore = forEachRef(join(dir.path, 'pushed.git'));
      for (const target of [folder, `${server.url}/pushed.git`]) {
        const error = (await mirrorRepo(fake, target, { netrc: false }).then(() => undefined, (caught: unknown) => caught)) as Error;
        expect(error).toMatchObject({ name: 'InvalidRefError', code });
        expect(error.message).toContain(shown);
        expect(error.message).not.toMatch(CONTROL);
      }
      expect(fake.fetches).toBe(0);
      expect(snapshot(folder)).toEqual(before);
      expect(forEachRef(join(dir.path, 'pushed.git'))).toBe(pushedBefore);
    }
  });
});
