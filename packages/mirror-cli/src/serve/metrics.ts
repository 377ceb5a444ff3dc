import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metrics `serve` exposes at `/metrics`, in one registry of their own (with Node's process metrics). */
export interface ServeMetrics {
  readonly registry: Registry;
  /** Records a finished sync of `mirror`: its result, duration and the pack bytes it fetched. */
  recordSync(mirror: string, outcome: { ok: boolean; seconds: number; fetchedBytes: number; finishedAt: Date }): void;
}

/**
 * Creates the registry: `gitmirror_syncs_total{mirror,result}`, `gitmirror_sync_duration_seconds{mirror}`,
 * `gitmirror_last_success_timestamp_seconds{mirror}`, `gitmirror_fetched_bytes_total{mirror}`,
 * `gitmirror_queue_depth` (read from `queueDepth` at each scrape), and the process metrics.
 */
export function createServeMetrics(queueDepth: () => Promise<number>): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const syncs = new Counter({ name: 'gitmirror_syncs_total', help: 'Syncs finished, by mirror and result', labelNames: ['mirror', 'result'], registers: [registry] });
  const duration = new Histogram({
    name: 'gitmirror_sync_duration_seconds',
    help: 'Wall time of a sync, refs to publication',
    labelNames: ['mirror'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const lastSuccess = new Gauge({ name: 'gitmirror_last_success_timestamp_seconds', help: 'When the last successful sync of the mirror ended (Unix time)', labelNames: ['mirror'], registers: [registry] });
  const fetched = new Counter({ name: 'gitmirror_fetched_bytes_total', help: 'Pack bytes fetched from the source', labelNames: ['mirror'], registers: [registry] });
  new Gauge({
    name: 'gitmirror_queue_depth',
    help: 'Syncs waiting to start',
    registers: [registry],
    async collect() {
      this.set(await queueDepth());
    },
  });
  return {
    registry,
    recordSync(mirror, outcome) {
      syncs.inc({ mirror, result: outcome.ok ? 'success' : 'failure' });
      duration.observe({ mirror }, outcome.seconds);
      fetched.inc({ mirror }, outcome.fetchedBytes);
      if (outcome.ok) lastSuccess.set({ mirror }, outcome.finishedAt.getTime() / 1000);
    },
  };
}
