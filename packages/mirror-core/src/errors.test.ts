import { InvalidUrlError as StorageInvalidUrlError, openStorage, StorageError } from '@gitmirror/dumb-storage';
import { describe, expect, it } from 'vitest';
import { InvalidUrlError, MirrorError, mirrorRepo, openTarget, openTransport } from './index.js';

const NO_SOURCE = '/nonexistent/source/repository';

describe('InvalidUrlError', () => {
  it('is one class for mirror-core and dumb-storage', () => {
    expect(InvalidUrlError).toBe(StorageInvalidUrlError);
    const error = new InvalidUrlError('bad');
    expect(error).toBeInstanceOf(StorageError);
    expect(error).not.toBeInstanceOf(MirrorError);
    expect(error).toMatchObject({ name: 'InvalidUrlError', code: 'INVALID_URL' });
  });

  it.each([
    ['an unsupported source scheme', () => mirrorRepo('ftp://example.com/repo', 'memory:')],
    ['a source that does not parse', () => mirrorRepo('http://127.0.0.1:99999/repo', 'memory:')],
    ['an scp-like source without a path', () => mirrorRepo('host:', 'memory:')],
    ['an unsupported target scheme', () => mirrorRepo(NO_SOURCE, 'ftp://example.com/mirror')],
    ['an s3 target without a bucket', () => mirrorRepo(NO_SOURCE, 's3://')],
    ['a file target on another host', () => mirrorRepo(NO_SOURCE, 'file://remote-host/mirror')],
    ['a file source on another host', () => mirrorRepo('file://remote-host/repo', 'memory:')],
    ['a file source with a malformed %-escape', () => mirrorRepo('file:///%zz', 'memory:')],
    ['an ssh source with a malformed %-escape in its path', () => mirrorRepo('ssh://127.0.0.1/%zz', 'memory:')],
    ['an ssh source with a malformed %-escape in its user', () => mirrorRepo('ssh://%zz@127.0.0.1/repo', 'memory:')],
    ['a pushed ssh target with a malformed %-escape', () => mirrorRepo(NO_SOURCE, 'ssh://127.0.0.1/%zz')],
    ['an http source with a malformed %-escape in its password', () => mirrorRepo('http://ada:pa%zz@127.0.0.1:1/repo', 'memory:')],
    ['a pushed target that does not parse', () => mirrorRepo(NO_SOURCE, 'http://ada:pa#ss@127.0.0.1:1/target.git')],
    ['openTransport', () => openTransport('ftp://example.com/repo')],
    ['openTarget', () => openTarget('ftp://example.com/mirror')],
    ['openStorage', () => openStorage('ftp://example.com/mirror')],
  ])('is what %s raises, with code INVALID_URL', async (_, run) => {
    const error = await run().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidUrlError);
    expect(error).toMatchObject({ code: 'INVALID_URL' });
    expect((error as Error).message).not.toContain('pa#ss');
  });
});
