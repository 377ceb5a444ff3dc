import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCli } from './cli.js';

const bin = fileURLToPath(new URL('../../../node_modules/.bin/mirror-git-to-s3', import.meta.url));

/** Parses `args` in-process; resolves with yargs' error and the text it would have printed. */
function parse(args: string[]): Promise<{ error?: Error; output: string }> {
  return new Promise((resolve) => {
    buildCli(args).parse(args, {}, (error, _argv, output) => resolve({ error: error ?? undefined, output }));
  });
}

describe('mirror-git-to-s3 command line', () => {
  it('prints usage naming --source and --target for --help', async () => {
    const { output } = await parse(['--help']);
    expect(output).toMatch(/^mirror-git-to-s3\b/);
    expect(output).toContain('--source');
    expect(output).toContain('--target');
  });

  it('rejects unknown options instead of ignoring them', async () => {
    const { error, output } = await parse(['--source', 'a', '--target', 'b', '--no-such-option']);
    expect(error?.message).toMatch(/Unknown argument/);
    expect(output).toContain('--source');
  });

  it('requires --target', async () => {
    const { error } = await parse(['--source', 'a']);
    expect(error?.message).toMatch(/target/);
  });

  const missing = existsSync(bin) ? '' : ` (skipped: ${bin} missing; run npm ci or npm run build)`;
  it.skipIf(missing !== '')(`runs as the installed mirror-git-to-s3 bin and prints usage${missing}`, async () => {
    const { stdout } = await promisify(execFile)(bin, ['--help'], { encoding: 'utf8' });
    expect(stdout).toContain('--source');
    expect(stdout).toContain('--target');
  });
});
