import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

/** `mirror-git-to-s3 repack TARGET [--all]`: compacts a dumb mirror's packs, from storage to storage. */
export function repackCommand(context: CommandContext): CommandModule {
  return {
    command: 'repack <target>',
    describe: 'Merge the packs of a mirror (so that each is at least twice all smaller ones together, or all into one), streaming from storage to storage',
    builder: (argv: Argv) =>
      argv
        .positional('target', { type: 'string', describe: 'The mirror: s3://bucket/prefix, file:// or a path' })
        .option('all', { type: 'boolean', describe: 'Merge every pack into one' })
        .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Show which packs would be merged; write nothing' })
        .option('max-memory', { type: 'string', describe: 'Memory the whole process may use; the merge holds about 96 bytes per object of the packs it merges (default 256M)' })
        .option('leftover-grace', { type: 'string', describe: 'Keep replaced packs this long for clones that started before, then remove them and what killed syncs left (default 1h)' }),
    handler: async (parsed) => {
      const { runRepack } = await import('../run-repack.js');
      context.exit(await runRepack(parsed, context.io));
    },
  };
}
