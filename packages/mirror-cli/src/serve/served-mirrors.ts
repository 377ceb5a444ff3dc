import { readFileSync } from 'node:fs';
import { redactUrl, type MirrorMapping } from '@gitmirror/mirror-core';
import type { ConfigFile } from '../config-file.js';
import { envName } from '../env-names.js';
import { UsageError } from '../errors.js';
import { toMapping } from '../mirror-input.js';
import { parseCount, parseDuration } from '../parse-values.js';
import type { Settings } from '../settings.js';
import { normalizeRepoUrl } from './repo-url.js';
import { parseSchedule, type Schedule } from './schedule.js';

/** One mirror `serve` keeps fresh. */
export interface ServedMirror {
  name: string;
  /** Source and target, credentials redacted, for the API, the page and logs. */
  source: string;
  target: string;
  /** The source as webhook payloads are matched against it ({@link normalizeRepoUrl}). */
  matchUrl: string;
  mapping: MirrorMapping;
  schedule?: Schedule;
}

/** The `server:` section and the secrets. */
export interface ServerSettings {
  host: string;
  port: number;
  /** How long in-flight syncs may finish after SIGTERM/SIGINT before they are aborted. */
  shutdownGraceMs: number;
  webhookSecret?: string;
  apiToken?: string;
  /** `redis://…` of the shared queue of several replicas; absent: the in-process queue. */
  queue?: { url: string; attempts: number; backoffMs: number; lockMs?: number };
}

const SERVER_KEYS = new Set(['listen', 'shutdown-grace', 'schedule', 'webhook-secret-file', 'api-token-file', 'queue', 'queue-attempts', 'queue-backoff', 'queue-lock']);
/** Default of `--listen`: loopback only, as a service behind a reverse proxy. */
export const DEFAULT_LISTEN = '127.0.0.1:8080';
const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/**
 * The named mirrors of a config file: each needs a unique `name`; its `schedule` (or the `server:` section's, the
 * default) is parsed. Headers of an entry go over the shared ones, as for `mirror`.
 * @throws UsageError (`INVALID_CONFIG`) naming the entry at fault.
 */
export function servedMirrors(config: ConfigFile, settings: Settings): ServedMirror[] {
  const defaultSchedule = config.server?.schedule;
  if (defaultSchedule !== undefined && typeof defaultSchedule !== 'string') throw new UsageError(`${config.path}: server.schedule must be a cron expression or an interval`, 'INVALID_CONFIG');
  const names = new Set<string>();
  return config.mirrors.map((entry, index) => {
    const where = `${config.path}: mirror ${index + 1}`;
    if (!entry.name) throw new UsageError(`${where}: serve needs a name for every mirror`, 'INVALID_CONFIG');
    if (names.has(entry.name)) throw new UsageError(`${where}: the name '${entry.name}' is used twice`, 'INVALID_CONFIG');
    names.add(entry.name);
    const scheduleText = entry.schedule ?? defaultSchedule;
    return {
      name: entry.name,
      source: redactUrl(entry.source),
      target: redactUrl(entry.target),
      matchUrl: normalizeRepoUrl(entry.source),
      mapping: toMapping(entry, settings.header),
      ...(scheduleText ? { schedule: parseSchedule(scheduleText, `${where} (${entry.name}): schedule`) } : {}),
    };
  });
}

/**
 * The server's settings: `--listen` (or `server.listen`, default {@link DEFAULT_LISTEN}), `server.shutdown-grace`
 * (default 30 s), and the secrets from `MIRROR_GIT_TO_S3_WEBHOOK_SECRET` / `MIRROR_GIT_TO_S3_API_TOKEN` or the files
 * `server.webhook-secret-file` / `server.api-token-file` name (never from flags).
 */
export function serverSettings(config: ConfigFile, flags: { listen?: string; shutdownGrace?: string; queue?: string }, env: NodeJS.ProcessEnv): ServerSettings {
  const server = config.server ?? {};
  for (const key of Object.keys(server)) {
    if (!SERVER_KEYS.has(key)) throw new UsageError(`${config.path}: unknown server setting '${key}' (expected ${[...SERVER_KEYS].join(', ')})`, 'INVALID_CONFIG');
  }
  const listen = flags.listen ?? env[envName('listen')] ?? stringSetting(server, 'listen', config.path) ?? DEFAULT_LISTEN;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`--listen: '${listen}' is not host:port (e.g. 127.0.0.1:8080, [::1]:8080, :8080 for every interface)`);
  const grace = flags.shutdownGrace ?? env[envName('shutdownGrace')] ?? stringSetting(server, 'shutdown-grace', config.path);
  return {
    host: match[1] ?? (match[2] || '0.0.0.0'),
    port,
    shutdownGraceMs: grace === undefined ? DEFAULT_SHUTDOWN_GRACE_MS : parseDuration(grace, '--shutdown-grace'),
    webhookSecret: secret(env, 'webhookSecret', server, 'webhook-secret-file', config.path),
    apiToken: secret(env, 'apiToken', server, 'api-token-file', config.path),
    ...queueSettings(config, flags, env),
  };
}

/**
 * The shared queue: `--queue` (or `MIRROR_GIT_TO_S3_QUEUE`, or `server.queue`), `redis://host:port[/db]`; with
 * `server.queue-attempts` (default 3 tries of a failing sync), `server.queue-backoff` (default 30 s, doubled each
 * retry) and `server.queue-lock` (`MIRROR_GIT_TO_S3_QUEUE_LOCK`: how soon a dead replica's work is taken over).
 */
function queueSettings(config: ConfigFile, flags: { queue?: string }, env: NodeJS.ProcessEnv): Pick<ServerSettings, 'queue'> {
  const server = config.server ?? {};
  const url = flags.queue ?? env[envName('queue')] ?? stringSetting(server, 'queue', config.path);
  if (url === undefined || url === '') return {};
  if (!/^rediss?:\/\/[^/]+(\/\d+)?\/?$/.test(url)) throw new UsageError(`--queue: '${redactUrl(url)}' is not redis://host:port[/db]`);
  const attempts = stringSetting(server, 'queue-attempts', config.path);
  const backoff = stringSetting(server, 'queue-backoff', config.path);
  const lock = env[envName('queueLock')] ?? stringSetting(server, 'queue-lock', config.path);
  return {
    queue: {
      url,
      attempts: attempts === undefined ? 3 : parseCount(attempts, `${config.path}: server.queue-attempts`, 1),
      backoffMs: backoff === undefined ? 30_000 : parseDuration(backoff, `${config.path}: server.queue-backoff`),
      ...(lock === undefined ? {} : { lockMs: parseDuration(lock, 'server.queue-lock') }),
    },
  };
}

function stringSetting(server: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = server[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${path}: server.${key} must be a string`, 'INVALID_CONFIG');
  return String(value);
}

function secret(env: NodeJS.ProcessEnv, name: 'webhookSecret' | 'apiToken', server: Record<string, unknown>, fileKey: string, path: string): string | undefined {
  const fromEnv = env[envName(name)];
  if (fromEnv) return fromEnv;
  const file = stringSetting(server, fileKey, path);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    throw new UsageError(`${path}: cannot read server.${fileKey} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'INVALID_CONFIG');
  }
}
