import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Records the URL of every module loaded after it is registered, one a line in the file given as `data`. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }
`;

/** Runs `body` in a child node that imports the built package as `core`, and returns the modules it loaded. */
function modulesLoadedBy(body: string): string[] {
  const dir = tempDir('mirror-lazy-');
  try {
    const log = join(dir.path, 'modules.log');
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: ${JSON.stringify(log)} });
      const core = await import(${JSON.stringify(pathToFileURL(dist).href)});
      ${body}
    `;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 });
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } finally {
    dir.remove();
  }
}

const isSsh = (url: string) => /\/node_modules\/ssh2\/|\/transport\/ssh-channel\.js$/.test(url);

it('loads ssh2 and the ssh channel only when an ssh URL is opened', () => {
  const withoutSsh = modulesLoadedBy(`
    await core.openTransport('http://127.0.0.1:9/repo.git', { netrc: false });
    await core.openTransport(process.cwd());
    await core.openTarget('http://127.0.0.1:9/repo.git', { netrc: false });
  `);
  expect(withoutSsh.some((url) => url.endsWith('/dist/transport/open-transport.js'))).toBe(true);
  expect(withoutSsh.filter(isSsh)).toEqual([]);
  // Port 9 on loopback refuses the connection, after ssh2 was loaded to make it.
  const withSsh = modulesLoadedBy(`
    const transport = await core.openTransport('ssh://git@127.0.0.1:9/repo.git', { ssh: { agent: false, identityFile: [] } });
    await transport.listRefs().catch(() => {});
  `);
  expect(withSsh.some((url) => url.endsWith('/transport/ssh-channel.js'))).toBe(true);
  expect(withSsh.some((url) => url.includes('/node_modules/ssh2/'))).toBe(true);
});
