import { watch, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isStorageError, openStorage } from '@gitmirror/dumb-storage';
import { MirrorRunner, planProcessMemory, redactUrl, targetKind } from '@gitmirror/mirror-core';
import type { Logger } from 'pino';
import { loadConfigFile } from './config-file.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { errorCode } from './report/error-code.js';
import { sharedMirrorOptions } from './run-mirror.js';
import { createServeHandler } from './serve/http-routes.js';
import { RedisSyncQueue } from './serve/redis-sync-queue.js';
import { createServeLogger } from './serve/logger.js';
import { createServeMetrics } from './serve/metrics.js';
import { servedMirrors, serverSettings, type ServedMirror } from './serve/served-mirrors.js';
import { LocalSyncQueue, SyncFailure, type SyncQueue, type TriggerReason } from './serve/sync-queue.js';
import { resolveSettings } from './settings.js';
import { checkS3MemoryFloor, isS3Url, loadS3Sdk, targetOptions } from './target-options.js';

/** How long a readiness check of the targets is reused. */
const READY_CACHE_MS = 10_000;
/** Config file changes within this long reload once. */
const RELOAD_DEBOUNCE_MS = 200;

/**
 * Runs `serve` until SIGTERM or SIGINT: loads the config (named mirrors, schedules, the `server:` section), listens,
 * syncs the mirrors its webhooks, API and schedules ask for, reloads the mirror list on SIGHUP or a change of the
 * file, and on the signal stops accepting requests, lets in-flight syncs finish for the grace period, aborts the rest
 * and returns 0.
 * @throws UsageError for a bad config or address (exit code 2).
 */
export async function runServe(flags: Record<string, unknown>, io: Io): Promise<number> {
  if (typeof flags.config !== 'string' || flags.config === '-') throw new UsageError('serve needs --config FILE: the mirrors to serve, each with a name');
  const path = flags.config;
  let config = await loadConfigFile(path);
  const settings = resolveSettings(flags, io.env, config);
  const server = serverSettings(config, { listen: flags.listen as string | undefined, shutdownGrace: flags.shutdownGrace as string | undefined, queue: flags.queue as string | undefined }, io.env);
  let mirrors = servedMirrors(config, settings);
  const log = createServeLogger(io.stdout);
  const mayUseS3 = mirrors.some((mirror) => isS3Url(mirror.mapping[1] as string));
  if (mayUseS3) checkS3MemoryFloor(settings.maxMemory);
  if (mayUseS3) await loadS3Sdk();

  const runner = new MirrorRunner({
    ...sharedMirrorOptions(settings),
    concurrency: settings.concurrency,
    memoryBudget: planProcessMemory(settings.maxMemory, { s3: mayUseS3 }).repositories,
  });
  const byName = () => new Map(mirrors.map((mirror) => [mirror.name, mirror]));
  let current = byName();
  const job = (name: string, reason: TriggerReason, signal: AbortSignal) => syncOne(name, reason, signal);
  const queue: SyncQueue = server.queue
    ? await RedisSyncQueue.open(job, { ...server.queue, concurrency: settings.concurrency, onError: redisErrorLog(log) })
    : new LocalSyncQueue(job, { concurrency: settings.concurrency });
  const metrics = createServeMetrics(() => queue.depth());

  /** One sync of a mirror, logged and counted; throws a SyncFailure when it failed, for the queue to record. */
  async function syncOne(name: string, reason: TriggerReason, signal: AbortSignal): Promise<void> {
    const mirror = current.get(name);
    if (!mirror) return;
    log.info({ mirror: name, trigger: reason }, 'sync started');
    const started = performance.now();
    try {
      const result = await runner.run(mirror.mapping, { signal });
      const durationMs = Math.round(performance.now() - started);
      metrics.recordSync(name, { ok: true, seconds: durationMs / 1000, fetchedBytes: result.pack?.bytes ?? 0, finishedAt: new Date() });
      log.info({ mirror: name, durationMs, upToDate: result.upToDate, created: result.created.length, updated: result.updated.length, deleted: result.deleted.length, pack: result.pack?.name }, 'sync done');
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const code = errorCode(error);
      const message = error instanceof Error ? error.message : String(error);
      metrics.recordSync(name, { ok: false, seconds: durationMs / 1000, fetchedBytes: 0, finishedAt: new Date() });
      log.error({ mirror: name, durationMs, code, error: message }, 'sync failed');
      throw new SyncFailure(code, message);
    }
  }
  await queue.schedule(mirrors);

  const reload = async (why: string) => {
    try {
      config = await loadConfigFile(path);
      mirrors = servedMirrors(config, resolveSettings(flags, io.env, config));
      if (mirrors.some((mirror) => isS3Url(mirror.mapping[1] as string))) await loadS3Sdk();
      current = byName();
      await queue.schedule(mirrors);
      log.info({ mirrors: mirrors.length, why }, 'config reloaded');
    } catch (error) {
      log.error({ code: errorCode(error), error: (error as Error).message, why }, 'config not reloaded: keeping the previous one');
    }
  };

  const ready = readiness(() => mirrors, settings);
  const httpServer = createServer(createServeHandler({ mirrors: () => mirrors, queue, metrics, webhookSecret: server.webhookSecret, apiToken: server.apiToken, ready, log }));
  await listen(httpServer, server.host, server.port);
  const address = httpServer.address();
  const url = typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : String(address);
  log.info({ url, mirrors: mirrors.length, queue: server.queue ? redactUrl(server.queue.url) : 'in-process', webhooks: server.webhookSecret !== undefined, api: server.apiToken !== undefined }, 'listening');

  let reloadTimer: NodeJS.Timeout | undefined;
  const onHangup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  let watcher: FSWatcher | undefined;
  // Watched anew after each change: a file replaced by a rename (editors, Kubernetes ConfigMaps swapping a symlink)
  // is another file, and a watch of the old one would never fire again.
  const watchConfig = () => {
    watcher?.close();
    try {
      watcher = watch(path, () => {
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(() => {
          watchConfig();
          void reload('config file changed');
        }, RELOAD_DEBOUNCE_MS);
      });
    } catch {
      log.warn({ path }, 'cannot watch the config file: reload with SIGHUP');
    }
  };
  watchConfig();

  await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })));
  log.info({ signal: io.interruptedBy(), graceMs: server.shutdownGraceMs }, 'shutting down: no new requests; in-flight syncs may finish');
  process.off('SIGHUP', onHangup);
  watcher?.close();
  clearTimeout(reloadTimer);
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  httpServer.closeIdleConnections();
  await queue.close(server.shutdownGraceMs);
  httpServer.closeAllConnections();
  await closed;
  log.info({}, 'stopped');
  return 0;
}

/** Logs Redis connection errors, one line per kind of error every 10 s at most (a restart is a storm of them). */
function redisErrorLog(log: Logger): (error: Error) => void {
  const last = new Map<string, number>();
  return (error) => {
    const key = (error as NodeJS.ErrnoException).code ?? error.message;
    if (Date.now() - (last.get(key) ?? 0) < 10_000) return;
    last.set(key, Date.now());
    log.warn({ code: 'QUEUE_UNAVAILABLE', error: error.message }, 'redis connection failed; retrying');
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new UsageError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, () => resolve());
  });
}

/**
 * Whether the dumb targets answer a one-byte read of `info/refs` (a mirror not synced yet is fine; a missing bucket,
 * denied access or no connection is not); the answer is reused for 10 s. Git server targets are not probed.
 */
function readiness(mirrors: () => readonly ServedMirror[], settings: Parameters<typeof targetOptions>[0]): () => Promise<string[]> {
  let cached: { at: number; problems: Promise<string[]> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > READY_CACHE_MS) cached = { at: Date.now(), problems: probeTargets(mirrors(), settings) };
    return cached.problems;
  };
}

async function probeTargets(mirrors: readonly ServedMirror[], settings: Parameters<typeof targetOptions>[0]): Promise<string[]> {
  const options = targetOptions(settings);
  const problems = await Promise.all(
    mirrors.map(async (mirror) => {
      const target = mirror.mapping[1];
      if (typeof target !== 'string' || targetKind(target) === 'git') return undefined;
      try {
        // A GET, not a HEAD: S3 answers a HEAD in a missing bucket with a bare 404, as for a missing key.
        await (await openStorage(target, options)).getRange('info/refs', 0, 1);
      } catch (error) {
        if (isStorageError(error, 'OBJECT_NOT_FOUND') || isStorageError(error, 'INVALID_RANGE')) return undefined;
        return `${mirror.name}: ${mirror.target} does not answer: ${(error as Error).message}`;
      }
      return undefined;
    }),
  );
  return problems.filter((problem): problem is string => problem !== undefined);
}
