import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';
import { tempDir } from '@gitmirror/test-servers';

const installedBin = fileURLToPath(new URL('../../../node_modules/.bin/mirror-git-to-s3', import.meta.url));

describe('mirror-git-to-s3 command line', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('prints usage naming the commands, --source, --target and the environment prefix for --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^mirror-git-to-s3\b/);
    for (const word of ['--source', '--target', '--config', 'verify <target>', 'ls-refs <url>', '--dry-run', '--s3-storage-class', 'ssh://', 'MIRROR_GIT_TO_S3_']) {
      expect(stdout).toContain(word);
    }
    expect((await runCli(['verify', '--help'])).stdout).toContain('--full');
  });

  it('prints the package version for --version', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.each([
    { label: 'an unknown option', args: ['--source', 'a', '--target', 'b', '--bogus-option'], message: /unknown argument --bogus-option\n/ },
    { label: 'a --source without --target', args: ['--source', 'a'], message: /one --target per --source/ },
    { label: 'nothing to mirror', args: [], message: /nothing to mirror/ },
    { label: 'a bad --max-memory', args: ['--source', 'a', '--target', 'b', '--max-memory', 'lots'], message: /--max-memory: 'lots' is not a size/ },
    { label: 'a bad --concurrency', args: ['--source', 'a', '--target', 'b', '--concurrency', '0'], message: /--concurrency: '0' is not a whole number of at least 1/ },
    { label: 'a --retries that is no number', args: ['--source', 'a', '--target', 'b', '--retries', 'often'], message: /--retries: expected a number/ },
    { label: 'verify without a target', args: ['verify'], message: /Not enough non-option arguments/ },
  ])('exits with 2 and a usage message for $label', async ({ args, message }) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^error: /);
  });

  it('names the variable holding a bad value from the environment, and the file key holding one from the config file', async () => {
    const env = await runCli(['--source', 'a', '--target', 'b'], { env: { MIRROR_GIT_TO_S3_TIMEOUT: 'soon' } });
    expect(env).toMatchObject({ code: 2, stderr: expect.stringContaining("MIRROR_GIT_TO_S3_TIMEOUT: 'soon' is not a duration") });
    const config = join(dir.path, 'bad.yaml');
    writeFileSync(config, 'retries: many\nmirrors: []\n');
    const file = await runCli(['--config', config]);
    expect(file).toMatchObject({ code: 2, stderr: expect.stringContaining(`retries in ${config}: 'many' is not a whole number`) });
    writeFileSync(config, 'mirrors:\n  - source: a\n');
    expect(await runCli(['--config', config])).toMatchObject({ code: 2, stderr: expect.stringContaining(`${config}: mirror 1: target must be a non-empty string`) });
    writeFileSync(config, 'colour: red\n');
    expect(await runCli(['--config', config])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown setting 'colour'") });
  });

  it('prints one JSON document for a usage error with --json', async () => {
    const { code, stdout } = await runCli(['--json', '--source', 'a']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('--target') } });
  });

  it('refuses credentials on the command line without printing them', async () => {
    const url = await runCli(['--source', 'https://ada:s3cr3t-pass@127.0.0.1/repo.git', '--target', join(dir.path, 't')]);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/URL with a password.*~\/\.netrc.*MIRROR_GIT_TO_S3_SOURCE/);
    const header = await runCli(['--source', 'a', '--target', 'b', '--header', 'Authorization: Bearer s3cr3t-token']);
    expect(header.code).toBe(2);
    expect(header.stderr).toMatch(/--header Authorization: credential headers are not accepted.*MIRROR_GIT_TO_S3_HEADER/);
    expect(url.stderr + url.stdout + header.stderr + header.stdout).not.toMatch(/s3cr3t/);
    expect(existsSync(join(dir.path, 't'))).toBe(false);
  });

  const missing = existsSync(installedBin) ? '' : ` (skipped: ${installedBin} missing; run npm ci)`;
  it.skipIf(missing !== '')(`runs as the installed mirror-git-to-s3 bin${missing}`, async () => {
    const { stdout } = await promisify(execFile)(installedBin, ['--help'], { encoding: 'utf8' });
    expect(stdout).toContain('--source');
  });
});
