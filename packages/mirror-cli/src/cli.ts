import yargs, { type Argv } from 'yargs';

/**
 * Builds the `mirror-git-to-s3` command line parser for the given arguments (without the node and script paths).
 */
export function buildCli(args: readonly string[]): Argv {
  return yargs([...args])
    .scriptName('mirror-git-to-s3')
    .usage('$0 --source URL --target URL [--source URL --target URL ...]')
    .command('$0', 'Mirror git repositories to S3, a folder or another git server', (command) =>
      command
        .option('source', { type: 'string', array: true, describe: 'Repository to mirror from (https://, file:// or a path)' })
        .option('target', { type: 'string', array: true, describe: 'Where to mirror to (s3://bucket/prefix, file:// or a path)' }),
    )
    .strict()
    .help()
    .version(false);
}
