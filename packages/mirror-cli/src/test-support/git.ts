import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { commitFile, fixedGitEnv, git } from '@gitmirror/test-servers';

export { commitFile, forEachRef, git, gitAsync, tempDir } from '@gitmirror/test-servers';

/** A repository with branches, a merge, a binary file, lightweight and annotated tags, and HEAD on `develop`. */
export function createSourceRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  commitFile(path, 'README.md', '# fixture\n');
  commitFile(path, 'logo.bin', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 37) % 256)));
  git(path, 'tag', 'v0.1');
  git(path, 'checkout', '-q', '-b', 'feature');
  commitFile(path, 'feature.txt', 'feature work\n');
  git(path, 'checkout', '-q', 'main');
  commitFile(path, 'main.txt', 'main work\n');
  git(path, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
  git(path, 'tag', '-a', '-m', 'release 1.0', 'v1.0');
  git(path, 'checkout', '-q', '-b', 'develop');
  commitFile(path, 'develop.txt', 'develop\n');
  return path;
}

/** Adds one commit on `branch` holding `files` incompressible blobs of `size` bytes each (a large pack, quickly). */
export function addLargeCommit(repo: string, branch: string, files: number, size: number): void {
  const parent = git(repo, 'rev-parse', '--verify', '-q', branch).trim();
  const chunks: Buffer[] = [Buffer.from(`commit refs/heads/${branch}\ncommitter Ada <ada@example.com> 1700000000 +0000\ndata 5\nlarge\nfrom ${parent}\n`)];
  for (let index = 0; index < files; index++) {
    chunks.push(Buffer.from(`M 100644 inline large/${index}.bin\ndata ${size}\n`), randomBytes(size), Buffer.from('\n'));
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: Buffer.concat(chunks), env: { ...process.env, ...fixedGitEnv } });
}
