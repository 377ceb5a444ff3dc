import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from './parse-values.js';
import { resolveSettings, settingName } from './settings.js';

describe('resolveSettings', () => {
  const file = { path: 'mirrors.yaml', values: { concurrency: 2, maxMemory: '64M', includeRef: ['refs/heads/*'], header: { 'X-Team': 'file' }, timeout: 30 } };

  it('takes flags over the environment over the config file over defaults', () => {
    const env = { MIRROR_GIT_TO_S3_CONCURRENCY: '3', MIRROR_GIT_TO_S3_MAX_MEMORY: '1G' };
    const settings = resolveSettings({ concurrency: 8 }, env, file);
    expect(settings).toMatchObject({ concurrency: 8, maxMemory: 1024 ** 3, includeRef: ['refs/heads/*'], header: { 'X-Team': 'file' }, timeout: 30_000 });
    expect(resolveSettings({}, {})).toMatchObject({ concurrency: 4, maxMemory: 256 * 1024 ** 2, netrc: true, dryRun: false, header: {}, source: [] });
    expect(resolveSettings({}, {}).includeRef).toBeUndefined();
  });

  it('splits list variables on whitespace and commas, and header variables on newlines only', () => {
    const settings = resolveSettings({}, { MIRROR_GIT_TO_S3_EXCLUDE_REF: 'refs/pull/**, refs/keep-around/**', MIRROR_GIT_TO_S3_HEADER: 'X-A: 1, 2\nX-B: three' });
    expect(settings.excludeRef).toEqual(['refs/pull/**', 'refs/keep-around/**']);
    expect(settings.header).toEqual({ 'X-A': '1, 2', 'X-B': 'three' });
  });

  it('reads --netrc as the default file, a path, or off', () => {
    expect(resolveSettings({ netrc: '' }, {}).netrc).toBe(true);
    expect(resolveSettings({ netrc: false }, { MIRROR_GIT_TO_S3_NETRC: '/x' }).netrc).toBe(false);
    expect(resolveSettings({}, { MIRROR_GIT_TO_S3_NETRC: '/etc/netrc' }).netrc).toBe('/etc/netrc');
    expect(resolveSettings({}, { MIRROR_GIT_TO_S3_NETRC: 'off' }).netrc).toBe(false);
  });

  it('rejects a header value without naming it in the message', () => {
    expect(() => resolveSettings({}, { MIRROR_GIT_TO_S3_HEADER: 'not a header secret-value' })).toThrow(/MIRROR_GIT_TO_S3_HEADER: expected 'Name: value'/);
    expect(() => resolveSettings({}, { MIRROR_GIT_TO_S3_HEADER: 'not a header secret-value' })).not.toThrow(/secret-value/);
  });

  it('maps config file keys in kebab or camel case, and per-mirror style aliases', () => {
    expect(['s3-endpoint-url', 's3EndpointUrl', 'headers', 'include', 'exclude', 'dry-run', 'mirrors', 'colour'].map(settingName)).toEqual([
      's3EndpointUrl',
      's3EndpointUrl',
      'header',
      'includeRef',
      'excludeRef',
      'dryRun',
      undefined,
      undefined,
    ]);
  });
});

describe('sizes and durations', () => {
  it.each([
    ['134217728', 134217728],
    ['64M', 64 * 1024 ** 2],
    ['64MiB', 64 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['2048k', 2 * 1024 ** 2],
  ])('size %s is %d bytes', (text, bytes) => expect(parseSize(text, '--max-memory')).toBe(bytes));

  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1h', 3_600_000],
  ])('duration %s is %d ms', (text, ms) => expect(parseDuration(text, '--timeout')).toBe(ms));

  it('refuses sizes under 1 MiB and durations of zero', () => {
    expect(() => parseSize('512k', '--max-memory')).toThrow(/too small/);
    expect(() => parseDuration('0', '--timeout')).toThrow(/not a duration/);
  });
});
