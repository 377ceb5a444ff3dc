#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startGitHttpServer } from './git-http-server.js';

const usage = 'usage: node tools/dist/git-http-server-cli.js --root DIR [--port N] [--receive-pack]';
const { values } = parseArgs({
  options: { root: { type: 'string' }, port: { type: 'string' }, 'receive-pack': { type: 'boolean' } },
});
if (!values.root) {
  console.error(usage);
  process.exit(2);
}
const server = await startGitHttpServer({
  projectRoot: values.root,
  port: values.port === undefined ? 0 : Number(values.port),
  receivePack: values['receive-pack'] ?? false,
});
console.log(server.url);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
