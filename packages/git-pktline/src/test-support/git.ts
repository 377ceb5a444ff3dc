/** Runs the installed git in isolated temporary repositories, for tests that compare against git's own output. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options for {@link runGit}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: Uint8Array;
  /** Resolve with stdout even if the command exits non-zero (e.g. after it sent an ERR packet). */
  allowFailure?: boolean;
}

/** A scratch directory holding test repositories. */
export interface Sandbox {
  root: string;
  env: Record<string, string>;
  run(command: string, args: readonly string[], options?: RunOptions): Promise<Buffer>;
  git(args: readonly string[], options?: RunOptions): Promise<Buffer>;
  gitText(args: readonly string[], options?: RunOptions): Promise<string>;
  remove(): Promise<void>;
}

/** Creates a sandbox whose git ignores the user's and system's configuration. */
export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'git-pktline-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  }
  Object.assign(env, {
    HOME: root,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '1700000000 +0000',
  });
  const run = (command: string, args: readonly string[], options: RunOptions = {}) =>
    runProcess(command, args, { ...options, cwd: options.cwd ?? root, env: { ...env, ...options.env } });
  const git = (args: readonly string[], options?: RunOptions) => run('git', args, options);
  return {
    root,
    env,
    run,
    git,
    gitText: async (args, options) => (await git(args, options)).toString('utf8'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

function runProcess(command: string, args: readonly string[], options: RunOptions & { cwd: string; env: Record<string, string> }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || options.allowFailure) resolve(Buffer.concat(stdout));
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr).toString()}`));
    });
    child.stdin.end(options.input);
  });
}

/**
 * Builds a bare repository `<root>/<name>` with several branches (one with a non-ASCII name),
 * a non-default HEAD (`trunk`), a notes ref, lightweight, annotated and nested annotated tags,
 * and an annotated tag of a tree.
 */
export async function createSampleRepo(sandbox: Sandbox, name = 'repo.git'): Promise<string> {
  const work = join(sandbox.root, `${name}-work`);
  const { git } = sandbox;
  await git(['init', '-q', '-b', 'trunk', work]);
  const commit = async (message: string) => {
    await sandbox.run('sh', ['-c', `echo "${message}" >> file.txt`], { cwd: work });
    await git(['add', 'file.txt'], { cwd: work });
    await git(['commit', '-q', '-m', message], { cwd: work });
  };
  await commit('first');
  await git(['branch', 'main'], { cwd: work });
  await commit('second');
  await git(['checkout', '-q', '-b', 'feature/x'], { cwd: work });
  await commit('feature');
  await git(['checkout', '-q', 'trunk'], { cwd: work });
  await git(['branch', 'topic/ünïcødé'], { cwd: work });
  await git(['notes', 'add', '-m', 'a note'], { cwd: work });
  await git(['tag', 'light'], { cwd: work });
  await git(['tag', '-a', '-m', 'release 1.0', 'v1.0', 'main'], { cwd: work });
  await git(['tag', '-a', '-m', 'tag of a tag', 'v1.0-signed', 'v1.0'], { cwd: work });
  await git(['tag', '-a', '-m', 'a tree', 'tree-tag', 'trunk^{tree}'], { cwd: work });
  const bare = join(sandbox.root, name);
  await git(['clone', '-q', '--mirror', work, bare]);
  return bare;
}

/**
 * The refs git itself reports for a repository, in advertisement order (HEAD first, then by name),
 * built from `for-each-ref`, `rev-parse` and `symbolic-ref` rather than from any pkt-line output.
 */
export async function listRefs(sandbox: Sandbox, repo: string): Promise<ExpectedRef[]> {
  const lines = (await sandbox.gitText(['-C', repo, 'for-each-ref', '--format=%(objectname) %(objecttype) %(refname)']))
    .split('\n')
    .filter((line) => line !== '');
  const refs: ExpectedRef[] = lines.map((line) => {
    const [oid, type, name] = line.split(' ');
    return type === 'tag' ? { name, oid, peeled: '' } : { name, oid };
  });
  const tags = refs.filter((ref) => ref.peeled !== undefined);
  if (tags.length > 0) {
    const peeled = (await sandbox.gitText(['-C', repo, 'rev-parse', ...tags.map((ref) => `${ref.name}^{}`)])).split('\n');
    tags.forEach((ref, index) => (ref.peeled = peeled[index]));
  }
  const head = (await sandbox.gitText(['-C', repo, 'rev-parse', '--verify', '-q', 'HEAD']).catch(() => '')).trim();
  const target = (await sandbox.gitText(['-C', repo, 'symbolic-ref', '-q', 'HEAD']).catch(() => '')).trim();
  if (head !== '') refs.unshift(target !== '' ? { name: 'HEAD', oid: head, symrefTarget: target } : { name: 'HEAD', oid: head });
  return refs;
}

/** A ref as git reports it, shaped like the parser's `AdvertisedRef`. */
export interface ExpectedRef {
  name: string;
  oid: string;
  peeled?: string;
  symrefTarget?: string;
}

/**
 * Runs `git http-backend` as a CGI program for `GET /<repo>/info/refs?service=<service>` and
 * returns the response body (after the CGI headers) and the headers.
 */
export async function httpBackendInfoRefs(
  sandbox: Sandbox,
  repoName: string,
  service: string,
  env: Record<string, string> = {},
): Promise<{ headers: string; body: Uint8Array }> {
  const output = await sandbox.git(['http-backend'], {
    env: {
      REQUEST_METHOD: 'GET',
      PATH_INFO: `/${repoName}/info/refs`,
      QUERY_STRING: `service=${service}`,
      GIT_PROJECT_ROOT: sandbox.root,
      GIT_HTTP_EXPORT_ALL: '1',
      ...env,
    },
  });
  const end = output.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('http-backend output has no CGI header terminator');
  return { headers: output.subarray(0, end).toString('latin1'), body: output.subarray(end + 4) };
}
