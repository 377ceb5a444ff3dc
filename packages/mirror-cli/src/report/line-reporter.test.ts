import type { MirrorEvent, RepoRef } from '@gitmirror/mirror-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLineReporter } from './line-reporter.js';
import { createStyle } from './style.js';

const repo: RepoRef = { index: 0, source: 'https://example.com/a.git', target: 's3://bucket/a' };
const pack = (phase: 'receiving' | 'resolving', objects: number, bytes: number, deltasResolved = 0): RepoRef & MirrorEvent => ({
  ...repo,
  type: 'pack-progress',
  progress: { phase, objects, totalObjects: 100, bytes, deltasResolved, totalDeltas: 40 },
});

describe('createLineReporter', () => {
  let lines: string[];
  const output = { write: (text: string) => lines.push(...text.split('\n').filter(Boolean)) > 0, isTTY: false };

  beforeEach(() => {
    lines = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('prints a progress line every interval while a repository fetches and resolves, and none once it is done', () => {
    const reporter = createLineReporter(output, createStyle(false, {}), { dryRun: false, progressIntervalMs: 1000 });
    reporter.progress({ ...repo, type: 'phase', phase: 'listing-refs' });
    vi.advanceTimersByTime(2500);
    expect(lines).toEqual([]);
    reporter.progress({ ...repo, type: 'phase', phase: 'fetching' });
    reporter.progress({ ...repo, type: 'remote-progress', message: 'Counting objects: 100% (100/100), done.' });
    vi.advanceTimersByTime(1000);
    reporter.progress(pack('receiving', 30, 3 * 1024 * 1024));
    vi.advanceTimersByTime(1000);
    reporter.progress(pack('resolving', 100, 10 * 1024 * 1024, 25));
    vi.advanceTimersByTime(1000);
    reporter.progress({ ...repo, type: 'phase', phase: 'done' });
    vi.advanceTimersByTime(5000);
    expect(lines[0]).toBe('https://example.com/a.git -> s3://bucket/a: fetching');
    expect(lines[1]).toMatch(/^https:\/\/example\.com\/a\.git -> s3:\/\/bucket\/a: fetching, remote: Counting objects: 100% \(100\/100\), done\. \(\d.*\)$/);
    expect(lines[2]).toMatch(/: receiving, 30\/100 objects, 3\.00 MiB, [\d.]+ [KM]iB\/s \(/);
    expect(lines[3]).toMatch(/: resolving deltas, 100\/100 objects, 10\.0 MiB, 25\/40 deltas \(/);
    expect(lines).toHaveLength(4);
  });

  it('defaults to a line every 10 seconds', () => {
    const reporter = createLineReporter(output, createStyle(false, {}), { dryRun: false });
    reporter.progress({ ...repo, type: 'phase', phase: 'fetching' });
    reporter.progress(pack('receiving', 1, 1024));
    vi.advanceTimersByTime(9_999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toHaveLength(2);
    reporter.finish({ outcomes: [], invalidInput: [], durationMs: 10_000, dryRun: false });
    vi.advanceTimersByTime(30_000);
    expect(lines).toHaveLength(3);
  });
});
