import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';
import { gitIndexPack, makeRepo, packObjects } from './test-support/git-fixtures.js';

// The bin runs from dist (built by the global setup), as installed.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = promisify(execFile);

const dir = tempDir();
let packPath: string;
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 6, commits: 12, fileSize: 1500, seed: 8 });
  packPath = join(dir.path, 'test.pack');
  writeFileSync(packPath, packObjects(join(dir.path, 'repo'), ['--delta-base-offset']));
});
afterAll(() => dir.remove());

describe('git-pack-index', () => {
  it('writes the idx git index-pack writes, next to the pack or where -o says', async () => {
    const pack = readFileSync(packPath);
    const expected = gitIndexPack(pack);
    const { stdout } = await run(process.execPath, [bin, packPath, '--threads', '1', '--max-memory', '1m']);
    expect(stdout.trim()).toBe(pack.subarray(-20).toString('hex'));
    expect(readFileSync(join(dir.path, 'test.idx'))).toEqual(expected);
    const output = join(dir.path, 'other.idx');
    await run(process.execPath, [bin, packPath, '-o', output]);
    expect(readFileSync(output)).toEqual(expected);
  });

  it('fails with the error code on a bad pack, and with usage on bad options', async () => {
    const truncated = join(dir.path, 'truncated.pack');
    writeFileSync(truncated, readFileSync(packPath).subarray(0, 100));
    await expect(run(process.execPath, [bin, truncated])).rejects.toMatchObject({ code: 128, stderr: expect.stringContaining('[TRUNCATED]') });
    await expect(run(process.execPath, [bin, packPath, '--threads', 'many'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
    await expect(run(process.execPath, [bin])).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [bin, packPath, '--frobnicate'])).rejects.toMatchObject({ code: 2 });
  });
});
