import { MIN_PROCESS_MEMORY, minimumCeiling } from '@gitmirror/mirror-core';
import { describe, expect, it } from 'vitest';
import { runMirror } from './run-mirror.js';
import { DEFAULT_MAX_MEMORY, resolveSettings } from './settings.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

const MiB = 1024 * 1024;

function io(): Io {
  const sink = { write: () => true, isTTY: false };
  return { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, signal: new AbortController().signal, interruptedBy: () => undefined } as unknown as Io;
}

describe('--max-memory', () => {
  it('defaults to 256M and accepts the documented minimum of 160M', () => {
    expect(resolveSettings({}, {}).maxMemory).toBe(DEFAULT_MAX_MEMORY);
    expect(DEFAULT_MAX_MEMORY).toBe(256 * MiB);
    expect(MIN_PROCESS_MEMORY).toBe(160 * MiB);
    expect(resolveSettings({ maxMemory: '160M' }, {}).maxMemory).toBe(160 * MiB);
  });

  it('refuses a ceiling below the minimum, naming where it came from and the minimum', () => {
    expect(() => resolveSettings({ maxMemory: '159M' }, {})).toThrow(new UsageError('--max-memory: 159M is too small: the process needs at least 160M (Node and one pack)'));
    expect(() => resolveSettings({}, { MIRROR_GIT_TO_S3_MAX_MEMORY: '64M' })).toThrow(/^MIRROR_GIT_TO_S3_MAX_MEMORY: 64M is too small/);
  });

  it('asks more of s3:// targets, which load the AWS SDK, before mirroring anything', async () => {
    expect(minimumCeiling({ s3: true })).toBe(192 * MiB);
    const flags = { source: ['https://example.invalid/repo.git'], target: ['s3://bucket/repo'], maxMemory: '180M' };
    await expect(runMirror(flags, io())).rejects.toThrow(new UsageError('--max-memory: with s3:// targets the process needs at least 192M (Node, the AWS SDK and one pack)'));
    await expect(runMirror({ config: '-', maxMemory: '180M' }, io())).rejects.toThrow(/with s3:\/\/ targets \(or targets read from stdin\) the process needs at least 192M/);
  });
});
