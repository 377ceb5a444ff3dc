import yargs, { type Argv } from 'yargs';
import { mirrorCommand } from './commands/mirror.js';

/**
 * Builds the `mirror-git-to-s3` command line parser for the given arguments (without the node and script paths).
 */
export function buildCli(args: readonly string[]): Argv {
  return yargs([...args])
    .scriptName('mirror-git-to-s3')
    .command(mirrorCommand)
    .strict()
    .help()
    .version(false);
}
