import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/** Arguments of the mirror command. */
export interface MirrorArguments {
  source: string[];
  target: string[];
  s3EndpointUrl?: string;
  s3ForcePathStyle?: boolean;
}

/** `mirror-git-to-s3 [mirror] --source URL --target URL …`: mirrors each source to the target given after it. */
export const mirrorCommand: CommandModule<object, MirrorArguments> = {
  command: ['mirror', '$0'],
  describe: 'Mirror git repositories to S3 or a folder',
  builder: (argv: Argv) =>
    argv
      .usage('$0 --source URL --target URL [--source URL --target URL ...]')
      .option('source', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Repository to mirror from (http(s)://, file:// or a path)',
      })
      .option('target', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Where to mirror it to (s3://bucket/prefix, file:// or a path); one per --source, in order',
      })
      .option('s3-endpoint-url', { type: 'string', describe: 'S3 endpoint of an S3-compatible server, e.g. http://127.0.0.1:9000' })
      .option('s3-force-path-style', { type: 'boolean', describe: 'Address buckets as endpoint/bucket instead of bucket.endpoint' })
      .check((parsed) => {
        if (parsed.source.length !== parsed.target.length) {
          throw new Error(`Give one --target per --source (got ${parsed.source.length} sources and ${parsed.target.length} targets)`);
        }
        return true;
      }) as unknown as Argv<MirrorArguments>,
  handler: async (parsed: ArgumentsCamelCase<MirrorArguments>) => {
    const { runMirror } = await import('../run-mirror.js');
    process.exitCode = await runMirror(parsed, { stderr: process.stderr });
  },
};
