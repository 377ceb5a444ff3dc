import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { MirrorMapping } from '@gitmirror/mirror-core';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { mirrorMappings } from './mirror-input.js';
import { mirrorReport } from './report/json-report.js';
import { summaryLine, type MirrorSummary } from './report/reporter.js';
import { resolveSettings } from './settings.js';
import { inShard, parseShard, shardOf } from './shard.js';

/** The contract's hash, computed apart from the module: the first 8 hex digits of the SHA-256, modulo `count`. */
const expectedShard = (target: string, count: number) => parseInt(createHash('sha256').update(target).digest('hex').slice(0, 8), 16) % count;

const targets = Array.from({ length: 200 }, (_, index) => `s3://mirrors/org-${index % 13}/repo-${index}`);

describe('parseShard', () => {
  it('reads I/N with 0 <= I < N, spaces around the parts allowed', () => {
    expect(['0/1', '0/4', '3/4', ' 2 / 7 ', '007/10'].map((text) => parseShard(text, '--shard', {}))).toEqual([
      { index: 0, count: 1 },
      { index: 0, count: 4 },
      { index: 3, count: 4 },
      { index: 2, count: 7 },
      { index: 7, count: 10 },
    ]);
  });

  it.each(['4/4', '5/4', '0/0', '-1/4', '1.5/4', '1/4.0', '1/-4', '1', '1/', '1/4/5', 'a/4', '1e1/20', '', '/', ' ', '0/99999999999999999999'])(
    'refuses %j, naming the flag and showing the form',
    (text) => {
      const parse = () => parseShard(text, '--shard', { JOB_COMPLETION_INDEX: '0' });
      expect(parse).toThrow(UsageError);
      expect(parse).toThrow(`--shard: '${text}' is not a shard: expected I/N with 0 <= I < N, e.g. 0/4`);
    },
  );

  it('refuses a value that is not text, such as a number from a config file', () => {
    expect(() => parseShard(3, 'shard in mirrors.yaml', {})).toThrow('shard in mirrors.yaml: 3 is not a shard: expected I/N');
  });

  it('takes the index of /N from JOB_COMPLETION_INDEX', () => {
    expect(parseShard('/4', '--shard', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('/1', '--shard', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 1 });
  });

  it('says so when /N is given without JOB_COMPLETION_INDEX, or with one out of range', () => {
    for (const env of [{}, { JOB_COMPLETION_INDEX: '' }]) {
      expect(() => parseShard('/4', '--shard', env)).toThrow(UsageError);
      expect(() => parseShard('/4', '--shard', env)).toThrow("--shard: '/4' takes the index from JOB_COMPLETION_INDEX, which is not set");
    }
    expect(() => parseShard('/4', '--shard', { JOB_COMPLETION_INDEX: '4' })).toThrow("--shard: '/4' with JOB_COMPLETION_INDEX='4' is not a shard: expected I/N");
    expect(() => parseShard('/4', '--shard', { JOB_COMPLETION_INDEX: 'one' })).toThrow(UsageError);
  });
});

describe('the shard setting', () => {
  const file = { path: 'mirrors.yaml', values: { shard: '2/5' } };

  it('comes from the flag, else MIRROR_GIT_TO_S3_SHARD, else the config file, and is absent by default', () => {
    expect(resolveSettings({ shard: '0/3' }, { MIRROR_GIT_TO_S3_SHARD: '1/3' }, file).shard).toEqual({ index: 0, count: 3 });
    expect(resolveSettings({}, { MIRROR_GIT_TO_S3_SHARD: '1/3' }, file).shard).toEqual({ index: 1, count: 3 });
    expect(resolveSettings({}, {}, file).shard).toEqual({ index: 2, count: 5 });
    expect(resolveSettings({}, {}).shard).toBeUndefined();
  });

  it('reads JOB_COMPLETION_INDEX for /N wherever it is given, and names where a bad value came from', () => {
    expect(resolveSettings({}, { MIRROR_GIT_TO_S3_SHARD: '/3', JOB_COMPLETION_INDEX: '2' }).shard).toEqual({ index: 2, count: 3 });
    expect(resolveSettings({}, { JOB_COMPLETION_INDEX: '1' }, { path: 'mirrors.yaml', values: { shard: '/2' } }).shard).toEqual({ index: 1, count: 2 });
    expect(() => resolveSettings({}, { MIRROR_GIT_TO_S3_SHARD: '3/3' })).toThrow(/^MIRROR_GIT_TO_S3_SHARD: '3\/3' is not a shard/);
    expect(() => resolveSettings({}, {}, { path: 'mirrors.yaml', values: { shard: '/2' } })).toThrow(/^shard in mirrors.yaml: '\/2' takes the index from JOB_COMPLETION_INDEX/);
  });
});

describe('shardOf', () => {
  it('is the first 4 bytes of the SHA-256 of the target, unsigned big-endian, modulo the count', () => {
    // 0xbb4442cd: above 2^31, so reading the bytes as signed would give a negative remainder.
    const target = 'https://github.com/expressjs/express.git';
    expect(createHash('sha256').update(target).digest('hex').slice(0, 8)).toBe('bb4442cd');
    expect(shardOf(target, 1000)).toBe(941);
    expect(shardOf(target, 1000)).toBe(expectedShard(target, 1000));
    expect(shardOf('s3://mirrors/express', 7)).toBe(6);
  });

  it('depends on the exact target text', () => {
    expect(targets.map((target) => shardOf(target, 7))).toEqual(targets.map((target) => expectedShard(target, 7)));
  });
});

describe('inShard', () => {
  it.each([1, 3, 7])('puts each of 200 targets in exactly one of %i shards', (count) => {
    const sizes = new Array<number>(count).fill(0);
    for (const target of targets) {
      const owners = sizes.map((_, index) => index).filter((index) => inShard(target, { index, count }));
      expect(owners).toEqual([expectedShard(target, count)]);
      sizes[owners[0]]++;
    }
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(200);
    if (count === 3) for (const size of sizes) expect(size).toBeGreaterThan(20);
  });

  it('keeps every target without a shard', () => {
    expect(targets.every((target) => inShard(target, undefined))).toBe(true);
  });
});

describe('mirrorMappings with a shard', () => {
  const mine = targets.filter((target) => expectedShard(target, 3) === 1).slice(0, 3);
  const others = targets.filter((target) => expectedShard(target, 3) !== 1).slice(0, 3);

  it('hands out only the shard’s pairs, config entries and stdin lines, and passes the others on', async () => {
    const skipped: MirrorMapping[] = [];
    const problems: number[] = [];
    const lines = [mine[2], others[2]].map((target) => JSON.stringify({ source: '/src/stdin', target }));
    const mappings = mirrorMappings({
      pairs: [['/src/pair', mine[0]], ['/src/pair', others[0]]],
      entries: [{ source: '/src/entry', target: others[1] }, { source: '/src/entry', target: mine[1] }],
      stdin: Readable.from([`${lines[0]}\n`, 'not json\n', `${lines[1]}\n`]),
      headers: {},
      signal: new AbortController().signal,
      shard: { index: 1, count: 3 },
      onInvalidInput: (problem) => problems.push(problem.line),
      onOtherShard: (mapping) => skipped.push(mapping),
    });
    const handedOut: MirrorMapping[] = [];
    for await (const mapping of mappings) handedOut.push(mapping);
    expect(handedOut.map((mapping) => [mapping[0], mapping[1]])).toEqual([
      ['/src/pair', mine[0]],
      ['/src/entry', mine[1]],
      ['/src/stdin', mine[2]],
    ]);
    expect(skipped.map((mapping) => mapping[1])).toEqual([others[0], others[1], others[2]]);
    // A line that is no mirror cannot be placed in a shard, so every shard reports it.
    expect(problems).toEqual([2]);
  });
});

describe('reports of a shard', () => {
  const summary: MirrorSummary = { outcomes: [], invalidInput: [], durationMs: 1200, dryRun: false, shard: { index: 1, count: 4, skipped: 12 } };

  it('counts the mirrors left to other shards in the summary line', () => {
    expect(summaryLine(summary)).toBe('0 repositories: 0 changed, 0 up to date, 0 failed in 1.2 s (12 in other shards)');
    expect(summaryLine({ ...summary, shard: { index: 0, count: 2, skipped: 1 }, interruptedBy: 'SIGTERM' })).toBe(
      '0 repositories: 0 changed, 0 up to date, 0 failed in 1.2 s (1 in another shard; interrupted by SIGTERM)',
    );
    expect(summaryLine({ ...summary, shard: undefined })).toBe('0 repositories: 0 changed, 0 up to date, 0 failed in 1.2 s');
  });

  it('puts the shard in the JSON report, or null without one', () => {
    expect(mirrorReport(summary).shard).toEqual({ index: 1, count: 4, skipped: 12 });
    expect(mirrorReport({ ...summary, shard: undefined }).shard).toBeNull();
  });
});
