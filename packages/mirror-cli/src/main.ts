import { buildCli } from './cli.js';
import { rejectSecretsOnCommandLine } from './command-line-secrets.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { errorCode } from './report/error-code.js';
import { createStyle } from './report/style.js';
import { envName } from './env-names.js';
import { trapSignals } from './signals.js';

/**
 * Runs `mirror-git-to-s3` with the given arguments in this process (its streams, environment and signals) and
 * returns the exit status: 0 success, 1 failure, 2 usage error, 130 after SIGINT, 143 after SIGTERM.
 */
export async function main(args: readonly string[]): Promise<number> {
  const trap = trapSignals();
  const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: trap.signal, interruptedBy: trap.received };
  let code = 0;
  let signalHandled = false;
  try {
    rejectSecretsOnCommandLine(args);
    await buildCli(args, {
      io,
      exit: (status, options) => {
        code = status;
        signalHandled = options?.signalHandled === true;
      },
    })
      .fail((message, error) => {
        throw new UsageError(readableUsageMessage(message ?? error?.message ?? 'invalid arguments', args));
      })
      .parseAsync();
  } catch (error) {
    code = report(error instanceof Error ? error : new Error(String(error)), io, args.includes('--json') || /^(1|true|yes|on)$/i.test(io.env[envName('json')] ?? ''));
  } finally {
    trap.dispose();
  }
  return signalHandled ? code : (trap.exitCode() ?? code);
}

function report(error: Error, io: Io, json: boolean): number {
  const usage = error instanceof UsageError;
  const style = createStyle(io.stderr.isTTY === true, io.env);
  io.stderr.write(`${style.red(usage ? 'error:' : 'fatal:')} ${error.message}\n`);
  if (usage && error.code === 'USAGE') io.stderr.write("Run 'mirror-git-to-s3 --help' for usage.\n");
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: errorCode(error), message: error.message } }, null, 2)}\n`);
  return usage ? 2 : 1;
}

/** yargs names an unknown `--foo-bar` twice (`foo-bar, fooBar`) and without dashes; name it once, as it was typed. */
function readableUsageMessage(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (!unknown) return message;
  const names = unknown[1].split(', ');
  const typed = names.filter((name) => !names.some((other) => other !== name && other.replace(/-([a-z0-9])/g, (_, char: string) => char.toUpperCase()) === name));
  const typedAs = (name: string) => args.find((arg) => arg.replace(/=.*/s, '').replace(/^--?(no-)?/, '') === name && arg.startsWith('-')) ?? name;
  return `unknown argument${typed.length === 1 ? '' : 's'} ${typed.map((name) => typedAs(name).replace(/=.*/s, '')).join(', ')}`;
}
