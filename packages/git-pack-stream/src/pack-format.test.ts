import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';
import { PackError } from './errors.js';
import { indexPack } from './index-pack.js';
import { emptyPack, readPackHeader, readPackTrailer, writePackHeader } from './pack-format.js';
import { gitIndexPack, makeRepo, packObjects, readFrom } from './test-support/git-fixtures.js';

const dir = tempDir();
let gitPack: Buffer;
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 3, commits: 4, fileSize: 300, seed: 11 });
  gitPack = packObjects(join(dir.path, 'repo'), []);
});
afterAll(() => dir.remove());

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PackError);
    return (error as PackError).code;
  }
  return undefined;
}

describe('emptyPack', () => {
  it('is the pack git writes for no objects, and git indexes it', async () => {
    execFileSync('git', ['init', '--quiet', '--bare', join(dir.path, 'empty.git')]);
    const gitEmpty = execFileSync('git', ['pack-objects', '--stdout', '--quiet'], { cwd: join(dir.path, 'empty.git'), input: '' });
    expect(Buffer.from(emptyPack()).equals(gitEmpty)).toBe(true);
    const result = await indexPack({ source: [emptyPack()], read: readFrom(emptyPack()), threads: 1 });
    expect(Buffer.from(result.idx).equals(gitIndexPack(emptyPack()))).toBe(true);
    expect(result.objectCount).toBe(0);
  });

  it('is a new copy each time', () => {
    const pack = emptyPack();
    pack[0] = 0;
    expect(emptyPack()[0]).toBe(0x50);
  });
});

describe('readPackHeader, writePackHeader, readPackTrailer', () => {
  it('read what git wrote: version 2, the object count git index-pack finds, and the name git gives the pack', () => {
    const path = join(dir.path, 'read.pack');
    writeFileSync(path, gitPack);
    const name = execFileSync('git', ['index-pack', path], { encoding: 'utf8' }).trim();
    const verified = execFileSync('git', ['verify-pack', '-s', join(dir.path, 'read.idx')], { encoding: 'utf8' });
    const objects = /non delta: (\d+)/.exec(verified)![1]!;
    const deltas = [...verified.matchAll(/chain length = \d+: (\d+) objects?/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(readPackHeader(gitPack)).toEqual({ version: 2, objectCount: Number(objects) + deltas });
    expect(readPackTrailer(gitPack)).toBe(name);
    expect(readPackTrailer(gitPack.subarray(-20))).toBe(name);
    expect(Buffer.from(writePackHeader(readPackHeader(gitPack).objectCount)).equals(gitPack.subarray(0, 12))).toBe(true);
  });

  it('accept version 3, and refuse anything else with a typed error', () => {
    const v3 = Buffer.from(gitPack.subarray(0, 12));
    v3[7] = 3;
    expect(readPackHeader(v3).version).toBe(3);
    const v4 = Buffer.from(v3);
    v4[7] = 4;
    expect(codeOf(() => readPackHeader(v4))).toBe('UNSUPPORTED_VERSION');
    const notPack = Buffer.from(v3);
    notPack[0] = 0x51;
    expect(codeOf(() => readPackHeader(notPack))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => readPackHeader(gitPack.subarray(0, 11)))).toBe('TRUNCATED');
    expect(codeOf(() => readPackTrailer(gitPack.subarray(0, 19)))).toBe('TRUNCATED');
    expect(() => writePackHeader(-1)).toThrow(RangeError);
    expect(() => writePackHeader(2 ** 32)).toThrow(RangeError);
  });
});
