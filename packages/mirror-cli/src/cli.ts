import { createRequire } from 'node:module';
import yargs, { type Argv } from 'yargs';
import { lsRefsCommand } from './commands/ls-refs.js';
import { mirrorCommand } from './commands/mirror.js';
import { repackCommand } from './commands/repack.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';
import type { CommandContext } from './commands/context.js';
import { withSharedOptions } from './commands/shared-options.js';
import { ENV_PREFIX } from './env-names.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const EPILOGUE = `Every option can also be set in the environment as ${ENV_PREFIX}<OPTION> (e.g. ${ENV_PREFIX}MAX_MEMORY=1G, \
${ENV_PREFIX}HEADER='Authorization: Bearer …') or in the --config file; flags win over the environment, which wins \
over the file. S3 credentials and region come from the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
AWS_PROFILE, AWS_REGION). Exit status: 0 all succeeded, 1 a repository failed or verify found problems, 2 usage \
error, 130 interrupted (Ctrl-C), 143 terminated.`;

/**
 * Builds the `mirror-git-to-s3` command line parser for the given arguments (without the node and script paths).
 * Handlers run with `context`: by default the process's streams and environment, setting `process.exitCode`.
 */
export function buildCli(args: readonly string[], context: CommandContext = processContext()): Argv {
  return withSharedOptions(yargs([...args]))
    .scriptName('mirror-git-to-s3')
    .command(mirrorCommand(context))
    .command(verifyCommand(context))
    .command(repackCommand(context))
    .command(serveCommand(context))
    .command(lsRefsCommand(context))
    .epilogue(EPILOGUE)
    .strict()
    .help()
    .alias('help', 'h')
    .version(version)
    .wrap(Math.min(120, process.stdout.columns ?? 100));
}

function processContext(): CommandContext {
  const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: new AbortController().signal, interruptedBy: () => undefined };
  return { io, exit: (code) => (process.exitCode = code) };
}
