import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

const MIRROR_GROUP = 'Mirror:';
const LIMITS_GROUP = 'Limits on sources:';

/** `mirror-git-to-s3 [mirror] --source URL --target URL …` or `--config FILE|-`: mirrors repositories. */
export function mirrorCommand(context: CommandContext): CommandModule {
  return {
    command: ['mirror', '$0'],
    describe: 'Mirror git repositories to S3, a folder or a git server (the default command)',
    builder: (argv: Argv) =>
      argv
        .usage('$0 [mirror] --source URL --target URL [--source URL --target URL ...]\n$0 [mirror] --config mirrors.yaml\n$0 [mirror] --config - < mirrors.jsonl')
        .option('source', { type: 'string', array: true, describe: 'Repository to mirror from (http(s)://, ssh://, user@host:path, file:// or a path)', group: MIRROR_GROUP })
        .option('target', {
          type: 'string',
          array: true,
          describe: 'Where to mirror it to: a dumb mirror (s3://bucket/prefix, file:// or a path) or a git server to push to (http(s)://, ssh://, user@host:path); one per --source, in order',
          group: MIRROR_GROUP,
        })
        .option('concurrency', { alias: 'j', type: 'number', describe: 'Repositories mirrored at the same time (default 4)', group: MIRROR_GROUP })
        .option('include-ref', { type: 'string', array: true, describe: 'Mirror only refs matching these globs (default every ref; * within a path segment, ** across)', group: MIRROR_GROUP })
        .option('exclude-ref', { type: 'string', array: true, describe: 'Leave out refs matching these globs', group: MIRROR_GROUP })
        .option('max-memory', { type: 'string', describe: 'Memory the whole process may use; packs in flight share what Node leaves (default 256M, at least 160M, 192M with s3:// targets)', group: MIRROR_GROUP })
        .option('dry-run', { alias: 'n', type: 'boolean', describe: 'Show which refs would change; fetch and write nothing', group: MIRROR_GROUP })
        .option('shard', {
          type: 'string',
          describe: 'Mirror only part I of N (0 <= I < N), for N runs sharing one list: the mirrors whose target hashes to I, the others counted as left to other shards; /N reads I from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs)',
          group: MIRROR_GROUP,
        })
        .option('auto-repack', { type: 'boolean', describe: 'After a sync that added a pack, merge packs so that each is at least twice all smaller ones together (default on; --no-auto-repack)', group: MIRROR_GROUP })
        .option('auto-repack-max', { type: 'string', describe: 'Most bytes of packs such a merge rewrites; bigger merges are left to `repack` (default 1G)', group: MIRROR_GROUP })
        .option('leftover-grace', { type: 'string', describe: 'Remove what killed syncs left (temporary and unlisted packs, incomplete uploads) once idle this long (default 1h)', group: MIRROR_GROUP })
        .option('deadline', { type: 'string', describe: 'Fail a repository whose whole sync takes longer (10m, 1h; default none; --timeout is per read)', group: LIMITS_GROUP })
        .option('min-rate', { type: 'string', describe: 'Fail a pack download averaging less over 30 s of waiting for the source (1KiB/s; default none)', group: LIMITS_GROUP })
        .option('max-refs', { type: 'number', describe: 'Fail a source listing more refs (default: what the memory of a repository holds, 100000 at least)', group: LIMITS_GROUP })
        .option('max-advertisement', { type: 'string', describe: 'Fail a source whose ref listing is larger (default: 86 bytes a ref of the default --max-refs)', group: LIMITS_GROUP }),
    handler: async (parsed) => {
      const { runMirror } = await import('../run-mirror.js');
      context.exit(await runMirror(parsed, context.io));
    },
  };
}
