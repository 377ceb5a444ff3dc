import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitBytes } from './git-run.js';

/** Writes a file in the work tree, commits everything, and returns the new commit's id. */
export function commitFile(repo: string, file: string, content: string | Uint8Array, message = `change ${file}`): string {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', '--all');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** `git for-each-ref` output (id, name) of a repository, for equality checks. */
export function forEachRef(repo: string): string {
  return git(repo, 'for-each-ref', '--format=%(objectname) %(refname)');
}

/** A ref as `git show-ref -d` reports it: `peeled` is the object an annotated tag finally points at. */
export interface ShownRef {
  name: string;
  oid: string;
  peeled?: string;
}

/** The refs of a repository as `git show-ref -d` reports them, with fully peeled ids for annotated tags. */
export function showRefs(repo: string): ShownRef[] {
  const refs: ShownRef[] = [];
  for (const line of git(repo, 'show-ref', '-d').split('\n')) {
    if (!line) continue;
    const [oid, name] = line.split(' ') as [string, string];
    if (name.endsWith('^{}')) refs.at(-1)!.peeled = oid;
    else refs.push({ name, oid });
  }
  return refs;
}

/**
 * Creates a work-tree repository with what a mirror must carry: several branches (names sorting in tricky byte
 * orders), a merge, a binary file, annotated, lightweight and nested annotated tags, and `HEAD` on `develop`.
 */
export function createSourceRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  commitFile(path, 'README.md', '# fixture\n', 'initial');
  commitFile(path, 'logo.bin', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 37) % 256)), 'binary');
  git(path, 'tag', 'v0.1');
  git(path, 'checkout', '-q', '-b', 'feature/a-b');
  commitFile(path, 'feature.txt', 'feature work\n');
  git(path, 'checkout', '-q', 'main');
  commitFile(path, 'main.txt', 'main work\n');
  git(path, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature/a-b');
  git(path, 'tag', '-a', '-m', 'release 1.0', 'v1.0');
  git(path, 'tag', '-a', '-m', 'tag of a tag', 'v1.0-signed', 'v1.0');
  git(path, 'branch', 'feature-x');
  git(path, 'branch', 'Zeta');
  git(path, 'branch', 'ünïcode');
  git(path, 'checkout', '-q', '-b', 'develop');
  commitFile(path, 'develop.txt', 'develop\n');
  return path;
}

/**
 * The source of the kill tests: {@link createSourceRepo} plus a commit of 6 MiB of incompressible bytes, so its pack
 * is over one S3 part (a multipart upload, whose parts are kill points too).
 */
export function createKillTestSource(path: string): string {
  createSourceRepo(path);
  commitFile(path, 'noise.bin', randomBytes(6 * 1024 * 1024), 'noise');
  return path;
}

/** Adds one commit on `branch` holding `files` incompressible blobs of `size` bytes each (a large pack, quickly). */
export function addLargeCommit(repo: string, branch: string, files: number, size: number): void {
  const parent = git(repo, 'rev-parse', '--verify', '-q', branch).trim();
  const chunks: Buffer[] = [Buffer.from(`commit refs/heads/${branch}\ncommitter Ada <ada@example.com> 1700000000 +0000\ndata 5\nlarge\nfrom ${parent}\n`)];
  for (let index = 0; index < files; index++) {
    chunks.push(Buffer.from(`M 100644 inline large/${index}.bin\ndata ${size}\n`), randomBytes(size), Buffer.from('\n'));
  }
  gitBytes(repo, ['fast-import', '--quiet'], { input: Buffer.concat(chunks) });
}

/**
 * Creates a bare repository at `path` with two branches, an annotated and a lightweight tag, a merge and a binary
 * blob of `binaryBytes` pseudo-random bytes, and HEAD on the non-default branch `trunk`.
 */
export function createBareRepo(path: string, binaryBytes = 1 << 20): void {
  const work = `${path}.work`;
  git('.', 'init', '-q', '-b', 'trunk', work);
  const random = Buffer.alloc(binaryBytes);
  for (let i = 0, x = 12345; i < binaryBytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    random[i] = x >>> 24;
  }
  writeFileSync(join(work, 'blob.bin'), random);
  writeFileSync(join(work, 'readme.txt'), 'one\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'first');
  git(work, 'tag', '-a', '-m', 'v1', 'v1');
  git(work, 'checkout', '-q', '-b', 'feature');
  writeFileSync(join(work, 'feature.txt'), 'feature\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'feature');
  git(work, 'checkout', '-q', 'trunk');
  writeFileSync(join(work, 'readme.txt'), 'two\n');
  git(work, 'commit', '-q', '-am', 'second');
  git(work, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
  git(work, 'tag', 'light');
  git('.', 'clone', '-q', '--bare', work, path);
  rmSync(work, { recursive: true, force: true });
}
