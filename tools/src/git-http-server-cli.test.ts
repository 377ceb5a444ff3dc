import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createBareRepo } from './git-fixtures.js';
import { gitAsync } from './git-run.js';
import { tempDir } from './temp-dir.js';

const cli = fileURLToPath(new URL('../dist/git-http-server-cli.js', import.meta.url));
const missing = existsSync(cli) ? '' : ` (skipped: ${cli} missing; run npm run build -w @gitmirror/test-servers)`;

describe('git-http-server-cli', () => {
  it.skipIf(missing !== '')(`prints the URL of a server for every repository under --root${missing}`, async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [cli, '--root', dir.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      createBareRepo(`${dir.path}/repo.git`, 1024);
      const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await gitAsync(dir.path, 'ls-remote', `${url}/repo.git`)).toBe(await gitAsync(dir.path, 'ls-remote', `${dir.path}/repo.git`));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      dir.remove();
    }
  });

  it.skipIf(missing !== '')(`exits with usage and status 2 without --root${missing}`, async () => {
    const child = spawn(process.execPath, [cli], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('--root DIR');
  });
});
