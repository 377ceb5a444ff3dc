import { describe, expect, it } from 'vitest';
import { contentTypeForKey } from './content-type.js';

describe('contentTypeForKey', () => {
  it('serves the text files git reads over dumb http as text/plain', () => {
    for (const key of ['HEAD', 'info/refs', 'objects/info/packs', 'objects/info/alternates', 'refs/heads/main', 'repo.git/HEAD', 'repo.git/info/refs', 'packed-refs']) {
      expect(contentTypeForKey(key), key).toBe('text/plain; charset=utf-8');
    }
  });

  it('serves packs, indexes and loose objects as application/octet-stream, never application/x-git-*', () => {
    for (const key of ['objects/pack/pack-0123.pack', 'objects/pack/pack-0123.idx', 'objects/pack/pack-0123.rev', 'objects/ab/cdef01', 'repo.git/objects/pack/pack-1.pack']) {
      expect(contentTypeForKey(key), key).toBe('application/octet-stream');
    }
  });

  it('does not take a dot at the start of a name for an extension', () => {
    expect(contentTypeForKey('dir/.json')).toBe('application/octet-stream');
    expect(contentTypeForKey('status.json')).toBe('application/json');
  });
});
