import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

/** `mirror-git-to-s3 ls-refs URL`: the refs of a source or a mirror, printed like `git ls-remote`. */
export function lsRefsCommand(context: CommandContext): CommandModule {
  return {
    command: 'ls-refs <url>',
    describe: 'List the refs of a repository (http(s)://, ssh://, a path) or a mirror (s3://) like git ls-remote',
    builder: (argv: Argv) =>
      argv
        .positional('url', { type: 'string', describe: 'A repository (http(s)://, ssh://, user@host:path, file://, a path) or a mirror (s3://bucket/prefix)' })
        .option('symref', { type: 'boolean', describe: "Also show what HEAD points to, as 'ref: <target>\\tHEAD'" }),
    handler: async (parsed) => {
      const { runLsRefs } = await import('../run-ls-refs.js');
      context.exit(await runLsRefs(parsed, context.io));
    },
  };
}
