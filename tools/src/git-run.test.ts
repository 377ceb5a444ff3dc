import { describe, expect, it } from 'vitest';
import { gitEnvironment, runCommand, runGit } from './git-run.js';

describe('gitEnvironment', () => {
  it('drops the GIT_* variables this process inherited, keeps the rest, and sets the fixed identity and an advancing date', () => {
    process.env.GIT_DIR = '/somewhere/else.git';
    try {
      const first = gitEnvironment({ GIT_TRACE: '1', PATH: undefined });
      const second = gitEnvironment();
      expect(first).not.toHaveProperty('GIT_DIR');
      expect(first).not.toHaveProperty('PATH');
      expect(second.PATH).toBe(process.env.PATH);
      expect(first).toMatchObject({ GIT_TRACE: '1', GIT_AUTHOR_NAME: 'Ada', GIT_CONFIG_GLOBAL: '/dev/null' });
      expect(Number.parseInt(second.GIT_COMMITTER_DATE!)).toBeGreaterThan(Number.parseInt(first.GIT_COMMITTER_DATE!));
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});

describe('runCommand and runGit', () => {
  it('feed stdin and return stdout as bytes (the id of the blob "x" is sha1 of "blob 1\\0x")', async () => {
    expect((await runCommand('cat', [], { input: Buffer.from([0, 1, 255]) })).stdout).toEqual(Buffer.from([0, 1, 255]));
    expect((await runGit(['hash-object', '--stdin'], { input: 'x' })).stdout.toString()).toBe('c1b0730e0133447badcfd47fd144e254807b06e1\n');
  });

  it('reject with the stderr of a failing command, unless allowFailure', async () => {
    await expect(runGit(['rev-parse', '--verify', 'no-such-ref'], { cwd: '/' })).rejects.toThrow(/exited with 128: fatal: /);
    expect(await runGit(['rev-parse', '--verify', 'no-such-ref'], { cwd: '/', allowFailure: true })).toMatchObject({ code: 128, stderr: expect.stringMatching(/^fatal: /) });
  });
});
