import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceRepo, git, showRefs, suiteDir } from '@gitmirror/test-servers';
import { BARE_REPO_CONFIG } from './bare-repo.js';
import { formatHead, parseHead } from './head.js';
import { formatInfoRefs, parseInfoRefs } from './info-refs.js';
import { formatPackedRefs, parsePackedRefs } from './packed-refs.js';
import { formatPacksList, parsePacksList } from './packs-list.js';

describe('dumb repository files equal what git writes', () => {
  const dir = suiteDir();
  const source = join(dir.path, 'source');
  const mirror = join(dir.path, 'mirror.git');

  beforeAll(() => {
    createSourceRepo(source);
    git(dir.path, 'clone', '-q', '--mirror', `file://${source}`, mirror);
    git(mirror, 'update-server-info');
  });
  afterAll(() => dir.remove());

  it('formats info/refs byte for byte as git update-server-info', () => {
    const refs = showRefs(mirror);
    expect(refs.some((ref) => ref.peeled)).toBe(true);
    expect(formatInfoRefs(refs.reverse())).toBe(readFileSync(join(mirror, 'info/refs'), 'utf8'));
  });

  it('formats objects/info/packs as git update-server-info', () => {
    const packs = readdirSync(join(mirror, 'objects/pack')).filter((name) => name.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    const text = readFileSync(join(mirror, 'objects/info/packs'), 'utf8');
    expect(formatPacksList(packs)).toBe(text);
    expect(parsePacksList(text)).toEqual(packs);
  });

  it('formats packed-refs as git pack-refs --all', () => {
    git(mirror, 'pack-refs', '--all');
    expect(formatPackedRefs(showRefs(mirror))).toBe(readFileSync(join(mirror, 'packed-refs'), 'utf8'));
  });

  it('reads packed-refs back as git pack-refs --all writes it, skipping what is no ref line', () => {
    git(mirror, 'pack-refs', '--all');
    expect(parsePackedRefs(readFileSync(join(mirror, 'packed-refs'), 'utf8'))).toEqual(showRefs(mirror));
    expect(parsePackedRefs(`^${'a'.repeat(40)}\nnot a line\n${'b'.repeat(40)} refs/heads/x\n`)).toEqual([{ name: 'refs/heads/x', oid: 'b'.repeat(40) }]);
  });

  it('formats HEAD as git symbolic-ref writes it, and reads it back', () => {
    expect(formatHead({ symref: 'refs/heads/develop' })).toBe(readFileSync(join(mirror, 'HEAD'), 'utf8'));
    expect(parseHead(readFileSync(join(mirror, 'HEAD'), 'utf8'))).toEqual({ symref: 'refs/heads/develop' });
    expect(parseHead(`${'c'.repeat(40)}\n`)).toEqual({ oid: 'c'.repeat(40) });
    for (const text of ['', 'ref:\n', 'ref: a b\n', 'c'.repeat(39)]) expect([text, parseHead(text)]).toEqual([text, undefined]);
  });

  it('writes the config of git init --bare', () => {
    const bare = join(dir.path, 'bare.git');
    git(dir.path, 'init', '-q', '--bare', bare);
    expect(BARE_REPO_CONFIG).toBe(readFileSync(join(bare, 'config'), 'utf8'));
  });

  it('reads info/refs back, peeled lines attached to their tags', () => {
    const refs = showRefs(mirror);
    expect(parseInfoRefs(readFileSync(join(mirror, 'info/refs'), 'utf8'))).toEqual(refs);
  });

  it('rejects a malformed info/refs with a typed error', () => {
    expect(() => parseInfoRefs('not a ref line\n')).toThrow(expect.objectContaining({ code: 'INVALID_MIRROR' }));
  });

  it('writes the files of an empty repository as git does', () => {
    const empty = join(dir.path, 'empty.git');
    git(dir.path, 'init', '-q', '--bare', empty);
    git(empty, 'update-server-info');
    expect(formatInfoRefs([])).toBe(readFileSync(join(empty, 'info/refs'), 'utf8'));
    expect(formatPacksList([])).toBe(readFileSync(join(empty, 'objects/info/packs'), 'utf8'));
  });
});
