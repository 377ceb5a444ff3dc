import { join } from 'node:path';
import { ZERO_OID } from '@gitmirror/git-pktline';
import { describe, expect, it } from 'vitest';
import { createSourceRepo, git, showRefs, tempDir } from '@gitmirror/test-servers';
import { planPush } from './plan-push.js';

describe('planPush', () => {
  it('sends its commands in the order git sorts refs, deletions among creations', () => {
    const dir = tempDir();
    try {
      const source = createSourceRepo(join(dir.path, 'source'));
      const refs = showRefs(source);
      const gone = refs.filter((ref) => ref.name.includes('feature') || ref.name.includes('Z'));
      const kept = refs.filter((ref) => !gone.includes(ref)).reverse();
      const plan = planPush(kept, gone, []);
      expect(plan.commands.map((command) => command.name)).toEqual(git(source, 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean));
      expect(plan.commands.filter((command) => command.newOid === ZERO_OID).map((command) => command.name)).toEqual(gone.map((ref) => ref.name));
    } finally {
      dir.remove();
    }
  });
});
