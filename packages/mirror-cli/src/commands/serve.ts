import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './context.js';

const SERVE_GROUP = 'Serve:';

/** `mirror-git-to-s3 serve --config mirrors.yaml [--listen 127.0.0.1:8080]`: keeps mirrors fresh from webhooks, an API and schedules. */
export function serveCommand(context: CommandContext): CommandModule {
  return {
    command: 'serve',
    describe: 'Keep the mirrors of a config file fresh: push webhooks, an HTTP API, schedules, Prometheus metrics and a status page',
    builder: (argv: Argv) =>
      argv
        .usage('$0 serve --config mirrors.yaml [--listen 127.0.0.1:8080]')
        .option('listen', { type: 'string', describe: 'Address to listen on, host:port (default 127.0.0.1:8080; :8080 for every interface)', group: SERVE_GROUP })
        .option('queue', { type: 'string', describe: 'Share the work of several replicas through Redis (BullMQ): redis://host:port[/db] (default: an in-process queue)', group: SERVE_GROUP })
        .option('shutdown-grace', { type: 'string', describe: 'On SIGTERM/SIGINT, let in-flight syncs finish this long before aborting them (default 30s)', group: SERVE_GROUP })
        .option('concurrency', { alias: 'j', type: 'number', describe: 'Mirrors synced at the same time (default 4)', group: SERVE_GROUP })
        .option('max-memory', { type: 'string', describe: 'Memory the whole process may use (default 256M)', group: SERVE_GROUP })
        .option('leftover-grace', { type: 'string', describe: 'Remove what killed syncs left once idle this long (default 1h)', group: SERVE_GROUP })
        .option('auto-repack', { type: 'boolean', describe: 'Merge packs after a sync that added one (default on)', group: SERVE_GROUP }),
    handler: async (parsed) => {
      const { runServe } = await import('../run-serve.js');
      context.exit(await runServe(parsed, context.io), { signalHandled: true });
    },
  };
}
