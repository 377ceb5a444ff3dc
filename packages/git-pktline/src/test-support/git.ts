/** Runs the installed git in isolated temporary repositories, for tests that compare against git's own output. */
import { join } from 'node:path';
import { gitEnvironment, runCommand, tempDir, type GitRunOptions } from '@gitmirror/test-servers';

/** A scratch directory holding test repositories; its commands run there, with the shared fixed git environment. */
export interface Sandbox {
  root: string;
  run(command: string, args: readonly string[], options?: GitRunOptions): Promise<Buffer>;
  git(args: readonly string[], options?: GitRunOptions): Promise<Buffer>;
  gitText(args: readonly string[], options?: GitRunOptions): Promise<string>;
  remove(): Promise<void>;
}

/** Creates a sandbox whose git ignores the user's and system's configuration, with the sandbox as HOME. */
export async function createSandbox(): Promise<Sandbox> {
  const dir = tempDir('git-pktline-');
  const root = dir.path;
  const run = async (command: string, args: readonly string[], options: GitRunOptions = {}) =>
    (await runCommand(command, args, { ...options, cwd: options.cwd ?? root, env: gitEnvironment({ HOME: root, ...options.env }) })).stdout;
  const git = (args: readonly string[], options?: GitRunOptions) => run('git', args, options);
  return {
    root,
    run,
    git,
    gitText: async (args, options) => (await git(args, options)).toString('utf8'),
    remove: async () => dir.remove(),
  };
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
