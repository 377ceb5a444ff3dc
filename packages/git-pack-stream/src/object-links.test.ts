import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackError } from './errors.js';
import { externalLinks, LinkSet } from './object-links.js';
import { ObjectType } from './object-type.js';
import { tempDir } from '@gitmirror/test-servers';
import { random } from './test-support/git-fixtures.js';

const dir = tempDir('object-links-');
const repo = join(dir.path, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
/** A commit of some other repository, recorded as a submodule: it need not exist here. */
const submoduleCommit = 'c0ffee'.padEnd(40, '1');

interface GitObject {
  id: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
  content: Buffer;
}
let objects: GitObject[];

beforeAll(() => {
  execFileSync('git', ['init', '--quiet', '-b', 'main', repo]);
  const env = 'GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@example.com';
  for (const pair of env.split(' ')) process.env[pair.split('=')[0]!] = pair.split('=')[1];
  writeFileSync(join(repo, 'a.txt'), 'same\n');
  writeFileSync(join(repo, 'twin.txt'), 'same\n');
  execFileSync('mkdir', ['-p', join(repo, 'dir/deeper')]);
  writeFileSync(join(repo, 'dir/deeper/b.txt'), 'b\n');
  writeFileSync(join(repo, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  execFileSync('ln', ['-s', 'a.txt', join(repo, 'link')]);
  git('add', '.');
  git('commit', '--quiet', '-m', 'first');
  git('checkout', '--quiet', '-b', 'side');
  writeFileSync(join(repo, 'dir/side.txt'), 'side\n');
  git('add', '.');
  git('commit', '--quiet', '-m', 'side');
  git('checkout', '--quiet', 'main');
  writeFileSync(join(repo, 'a.txt'), 'changed\n');
  git('update-index', '--add', '--cacheinfo', `160000,${submoduleCommit},sub`);
  git('commit', '--quiet', '-am', 'main with a submodule');
  git('merge', '--quiet', '--no-ff', '-m', 'merge', 'side');
  git('tag', '-a', 'v1', '-m', 'annotated');
  git('-c', 'advice.nestedTag=false', 'tag', '-a', 'v1-again', 'v1', '-m', 'a tag of a tag');
  git('tag', '-a', 'tree-tag', 'HEAD^{tree}', '-m', 'a tag of a tree');
  const all = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo, input: '' });
  objects = [];
  for (let at = 0; at < all.length; ) {
    const headerEnd = all.indexOf(0x0a, at);
    const [id, type, size] = all.toString('latin1', at, headerEnd).split(' ');
    const content = all.subarray(headerEnd + 1, headerEnd + 1 + Number(size));
    objects.push({ id: id!, type: type as GitObject['type'], content });
    at = headerEnd + 1 + Number(size) + 1;
  }
});
afterAll(() => dir.remove());

function linksOf(object: Pick<GitObject, 'type' | 'content'>): string[] {
  const links = new LinkSet();
  links.add(ObjectType[object.type], object.content);
  return hexIds(links.ids()).sort();
}

function hexIds(ids: Uint8Array): string[] {
  return Array.from({ length: ids.length / 20 }, (_, i) => Buffer.from(ids.subarray(i * 20, i * 20 + 20)).toString('hex'));
}

describe('LinkSet against git', () => {
  it('lists what git lists for every commit, tree, tag and blob', () => {
    const commits = new Map(
      git('log', '--all', '--format=%H %T %P')
        .trim()
        .split('\n')
        .map((line) => {
          const [id, ...links] = line.split(' ');
          return [id!, links];
        }),
    );
    const tags = new Map(
      git('for-each-ref', 'refs/tags', '--format=%(objectname) %(object)')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    const seen = new Set<string>();
    for (const object of objects) {
      let expected: string[];
      if (object.type === 'commit') expected = commits.get(object.id)!;
      else if (object.type === 'tag') expected = [tags.get(object.id)!];
      else if (object.type === 'tree') {
        const entries = git('ls-tree', object.id).trim().split('\n');
        expected = entries.filter((entry) => entry.split(' ')[1] !== 'commit').map((entry) => entry.split(/[ \t]/)[2]!);
      } else expected = [];
      expect(expected, object.id).toBeDefined();
      expect(linksOf(object), `${object.type} ${object.id}`).toEqual([...new Set(expected)].sort());
      seen.add(object.type);
    }
    expect([...seen].sort()).toEqual(['blob', 'commit', 'tag', 'tree']);
  });

  it('links everything git rev-list --objects reaches from the refs, and not the submodule commit', () => {
    const links = new LinkSet();
    for (const object of objects) links.add(ObjectType[object.type], object.content);
    const linked = new Set(hexIds(links.ids()));
    expect(linked.size).toBe(links.size);
    expect(linked.has(submoduleCommit)).toBe(false);
    const tips = git('for-each-ref', '--format=%(objectname)').trim().split('\n');
    const reached = git('rev-list', '--objects', '--all')
      .trim()
      .split('\n')
      .map((line) => line.slice(0, 40));
    expect(new Set([...linked, ...tips])).toEqual(new Set(reached));
  });

  it('merges sets through ids() and addIds(), and externalLinks names what a pack lacks, sorted', () => {
    const halves = [new LinkSet(), new LinkSet()];
    objects.forEach((object, i) => halves[i % 2]!.add(ObjectType[object.type], object.content));
    const merged = new LinkSet();
    merged.addIds(halves[0]!.ids());
    merged.addIds(halves[1]!.ids());
    const whole = new LinkSet();
    for (const object of objects) whole.add(ObjectType[object.type], object.content);
    expect(hexIds(merged.ids()).sort()).toEqual(hexIds(whole.ids()).sort());

    // A pack of the commits and tags only: its trees and blobs come from elsewhere.
    const packed = objects.filter((object) => object.type === 'commit' || object.type === 'tag').map((object) => object.id);
    const sorted = Buffer.from(packed.sort().join(''), 'hex');
    const expected = hexIds(whole.ids())
      .filter((id) => !packed.includes(id))
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(hexIds(externalLinks(whole, sorted))).toEqual(expected);
    expect(hexIds(externalLinks(whole, new Uint8Array(0)))).toEqual(hexIds(whole.ids()).sort());
    const everything = Buffer.from(hexIds(whole.ids()).sort().join(''), 'hex');
    expect(externalLinks(whole, everything).length).toBe(0);
  });
});

describe('LinkSet as a set', () => {
  it('keeps each id once, in first-added order, across many doublings', () => {
    const next = random(7);
    const distinct = Array.from({ length: 5000 }, () => Buffer.from(Array.from({ length: 20 }, () => Math.floor(next() * 256))));
    // Ids sharing their first 16 bytes still spread: the hash mixes all 20.
    for (let i = 0; i < 500; i++) distinct.push(Buffer.concat([Buffer.alloc(16), Buffer.from(Uint32Array.of(i).buffer)]));
    const links = new LinkSet();
    for (let round = 0; round < 3; round++) links.addIds(Buffer.concat(distinct));
    expect(links.size).toBe(distinct.length);
    expect(Buffer.from(links.ids())).toEqual(Buffer.concat(distinct));
    expect(() => links.addIds(new Uint8Array(19))).toThrow(RangeError);
  });

  it('returns a copy from ids(), which outlives changes to the set', () => {
    const links = new LinkSet();
    links.addIds(Buffer.alloc(20, 1));
    const ids = links.ids();
    links.addIds(Buffer.alloc(20, 2));
    expect(ids).toEqual(new Uint8Array(20).fill(1));
    expect(links.size).toBe(2);
  });
});

const hex = (digit: string) => digit.repeat(40);
const tree = (...entries: [string, string, Buffer][]) => Buffer.concat(entries.flatMap(([mode, name, id]) => [Buffer.from(`${mode} ${name}\0`), id]));
const id20 = Buffer.alloc(20, 0xab);

/** Objects git's own parsers (`git hash-object`'s format check) accept or refuse, and what we should link. */
const cases: { name: string; type: GitObject['type']; content: Buffer; links?: string[] }[] = [
  { name: 'a commit with no parents', type: 'commit', content: Buffer.from(`tree ${hex('1')}\nauthor x\n\nmsg\n`), links: [hex('1')] },
  { name: 'a commit with upper-case hex', type: 'commit', content: Buffer.from(`tree ${hex('A')}\nparent ${hex('B')}\nauthor x\n`), links: [hex('a'), hex('b')] },
  { name: 'a parent line after the author, which git does not read', type: 'commit', content: Buffer.from(`tree ${hex('1')}\nauthor x\nparent ${hex('2')}\n`), links: [hex('1')] },
  { name: 'a commit that is only its tree line', type: 'commit', content: Buffer.from(`tree ${hex('1')}\n`) },
  { name: 'a commit without a tree line', type: 'commit', content: Buffer.from(`parent ${hex('1')}\nauthor x\n\n`) },
  { name: 'a commit with a bad tree id', type: 'commit', content: Buffer.from(`tree ${hex('1').slice(0, 39)}x\nauthor x\n\n`) },
  { name: 'a commit with a bad parent id', type: 'commit', content: Buffer.from(`tree ${hex('1')}\nparent ${hex('2').slice(0, 39)}g\nauthor x\n`) },
  { name: 'a commit whose parent line runs on', type: 'commit', content: Buffer.from(`tree ${hex('1')}\nparent ${hex('2')}2\nauthor x\n`) },
  { name: 'an empty tree', type: 'tree', content: Buffer.alloc(0), links: [] },
  { name: 'a tree of every mode', type: 'tree', content: tree(['40000', 'd', Buffer.alloc(20, 1)], ['100644', 'f', Buffer.alloc(20, 2)], ['100755', 'x', Buffer.alloc(20, 3)], ['120000', 'l', Buffer.alloc(20, 4)], ['160000', 's', Buffer.alloc(20, 5)]), links: ['01', '02', '03', '04'].map((b) => b.repeat(20)) },
  { name: 'a tree with a zero-padded and an odd mode, which git reads as a tree and a gitlink', type: 'tree', content: tree(['040000', 'd', Buffer.alloc(20, 1)], ['1', 'odd', Buffer.alloc(20, 2)]), links: ['01'.repeat(20)] },
  { name: 'a truncated tree entry', type: 'tree', content: tree(['100644', 'f', id20]).subarray(0, 20) },
  { name: 'a tree entry without its name end', type: 'tree', content: Buffer.from('100644 name-without-nul') },
  { name: 'a tree entry with an empty name', type: 'tree', content: tree(['100644', '', id20]) },
  { name: 'a tree entry with an empty mode', type: 'tree', content: tree(['', 'f', id20]) },
  { name: 'a tree entry with a non-octal mode', type: 'tree', content: tree(['100844', 'f', id20]) },
  { name: 'a tree with junk after its entries', type: 'tree', content: Buffer.concat([tree(['100644', 'f', id20]), Buffer.from('1')]) },
  { name: 'a tag', type: 'tag', content: Buffer.from(`object ${hex('1')}\ntype commit\ntag v\ntagger x\n\n`), links: [hex('1')] },
  { name: 'a tag without its object line', type: 'tag', content: Buffer.from(`type commit\ntag v\ntagger x <x> 0 +0000\n\nmessage\n`) },
  { name: 'a tag with a bad object id', type: 'tag', content: Buffer.from(`object ${hex('1').slice(0, 39)}z\ntype commit\ntag v\ntagger x\n\n`) },
  { name: 'a tag without a type line', type: 'tag', content: Buffer.from(`object ${hex('1')}\ntag v\ntagger x <x> 0 +0000\n\n`) },
  { name: 'a tag shorter than git reads', type: 'tag', content: Buffer.from(`object ${hex('1')}\ntype x\n`) },
  { name: 'a blob of anything', type: 'blob', content: Buffer.from('tree nonsense\0'), links: [] },
];

describe('LinkSet on content git accepts or refuses', () => {
  it.each(cases)('$name', ({ type, content, links }) => {
    const gitAccepts = spawnSync('git', ['hash-object', '-t', type, '--stdin'], { input: content }).status === 0;
    expect(gitAccepts).toBe(links !== undefined);
    if (links) {
      expect(linksOf({ type, content })).toEqual([...links].sort());
    } else {
      const error = (() => {
        try {
          new LinkSet().add(ObjectType[type], content);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(PackError);
      expect((error as PackError).code).toBe('BAD_OBJECT');
    }
  });

  it('refuses delta and unknown types with BAD_OBJECT_TYPE', () => {
    for (const type of [0, 5, ObjectType.ofsDelta, ObjectType.refDelta]) {
      expect(() => new LinkSet().add(type, Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'BAD_OBJECT_TYPE' }));
    }
  });

  it('throws nothing but PackError on damaged real objects', () => {
    const next = random(11);
    let refused = 0;
    for (const object of objects.filter((candidate) => candidate.type !== 'blob')) {
      for (let round = 0; round < 200; round++) {
        const damaged = Buffer.from(object.content.subarray(0, Math.floor(next() * (object.content.length + 1))));
        if (damaged.length > 0 && next() < 0.5) damaged[Math.floor(next() * damaged.length)] = Math.floor(next() * 256);
        try {
          new LinkSet().add(ObjectType[object.type], damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(PackError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
