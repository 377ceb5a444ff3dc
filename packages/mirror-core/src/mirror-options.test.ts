import { describe, expect, it } from 'vitest';
import { splitMirrorOptions } from './mirror-options.js';

describe('splitMirrorOptions', () => {
  it('maps the deprecated flat options: transport ones to the source, connection ones to a git server target too', () => {
    const ssh = { identityFile: '/keys/id' };
    const split = splitMirrorOptions({
      headers: { 'x-source': 's' },
      targetHeaders: { 'x-target': 't' },
      netrc: false,
      timeout: 5,
      ssh,
      maxRefs: 10,
      s3: { unquotedIfMatch: true },
      atomic: false,
      leftoverGraceMs: 0,
      include: ['refs/heads/*'],
      dryRun: true,
    });
    expect(split).toEqual({
      source: { headers: { 'x-source': 's' }, netrc: false, timeout: 5, ssh, maxRefs: 10 },
      target: { headers: { 'x-target': 't' }, netrc: false, timeout: 5, ssh, s3: { unquotedIfMatch: true }, atomic: false, leftoverGraceMs: 0 },
    });
  });

  it('keeps a source\'s headers from the target, and lets source and target options win over flat ones', () => {
    expect(splitMirrorOptions({ headers: { 'x-source': 's' } }).target).toEqual({});
    const split = splitMirrorOptions({ timeout: 5, source: { timeout: 1 }, target: { timeout: 2, headers: { 'x-target': 't' } } });
    expect(split).toEqual({ source: { timeout: 1 }, target: { timeout: 2, headers: { 'x-target': 't' } } });
    expect(splitMirrorOptions({})).toEqual({ source: {}, target: {} });
  });
});
