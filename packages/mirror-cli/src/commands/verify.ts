import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

/** `mirror-git-to-s3 verify TARGET [--full]`: checks that a dumb mirror is complete and consistent. */
export function verifyCommand(context: CommandContext): CommandModule {
  return {
    command: 'verify <target>',
    describe: 'Check a mirror: refs resolve to objects in listed packs, idx files match their packs, the packs list is exact',
    builder: (argv: Argv) =>
      argv
        .positional('target', { type: 'string', describe: 'The mirror: s3://bucket/prefix, file:// or a path' })
        .option('full', { type: 'boolean', describe: "Also read every pack whole: its checksum and every object's CRC32" }),
    handler: async (parsed) => {
      const { runVerify } = await import('../run-verify.js');
      context.exit(await runVerify(parsed, context.io));
    },
  };
}
