import type { Storage } from '@gitmirror/dumb-storage';
import { AbortedError, TransportError } from './errors.js';
import { splitMirrorOptions, type MirrorOptions } from './mirror-options.js';
import { createRefFilter } from './ref-filter.js';
import { checkAdvertisedRefs } from './refs.js';
import { redactUrl } from './redact.js';
import { sanitizeServerText } from './server-text.js';
import type { RepackResult } from './dumb-repo/repack.js';
import type { AppliedPlan, MirrorTarget, PackSummary, ReadBackCounts } from './target/mirror-target.js';
import { openTarget } from './target/open-target.js';
import { startDeadline } from './transport/deadline.js';
import { openTransport } from './transport/open-transport.js';
import type { Transport } from './transport/transport.js';

/** What one sync did. */
export interface MirrorResult {
  /** Source and target URLs, credentials redacted. */
  source: string;
  target: string;
  /** True when nothing had changed: nothing was fetched or written. */
  upToDate: boolean;
  /** Ref names created, moved (including force pushes) and deleted. */
  created: string[];
  updated: string[];
  deleted: string[];
  /** The pack published by this sync, if it needed one. */
  pack?: PackSummary;
  /**
   * What resolving the pack's deltas read back once it had streamed in (from the in-memory copy of a small pack or
   * from the storage): reads, bytes and sequential passes; zeros when nothing was read back. Unset for git servers.
   */
  readBack?: ReadBackCounts;
  /** The automatic repack that followed the sync, when it merged packs (dumb targets). */
  repack?: RepackResult;
  /** The protocol version the source answered with. */
  protocolVersion: 0 | 1 | 2;
  durationMs: number;
}

/**
 * Mirrors one repository: makes `target` hold the refs and objects of `source` (`http(s)://`, ssh, `file://` or a
 * path, or a {@link Transport}), fetching only what the target lacks. A target URL picks its kind (`openTarget`): a
 * dumb repository for `s3://bucket/prefix`, `file://…` or a path (or a {@link Storage}); a push to a git server for
 * `http(s)://`, `ssh://…` and `[user@]host:path`, with the pack streamed from the source into the push. A
 * {@link MirrorTarget} already open is used as it is and left open.
 */
export async function mirrorRepo(source: string | Transport, target: string | Storage | MirrorTarget, options: MirrorOptions = {}): Promise<MirrorResult> {
  const deadline = startDeadline(options.deadline, typeof source === 'string' ? redactUrl(source) : source.url, options.signal);
  try {
    return await sync(source, target, deadline ? { ...options, signal: deadline.signal } : options);
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError(undefined, { cause: error });
    if (deadline?.expired && error !== deadline.error) throw new TransportError('TIMEOUT', deadline.error.message, { cause: error });
    throw error;
  } finally {
    deadline?.clear();
  }
}

async function sync(source: string | Transport, target: string | Storage | MirrorTarget, options: MirrorOptions): Promise<MirrorResult> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const split = splitMirrorOptions(options);
  const transport = typeof source === 'string' ? await openTransport(source, { ...split.source, memoryBudget: options.memoryBudget }) : source;
  try {
    const opened = isMirrorTarget(target) ? target : await openTarget(target, { ...split.target, memoryBudget: options.memoryBudget });
    try {
      return await syncInto(transport, opened, options, started);
    } finally {
      if (opened !== target) await opened.close();
    }
  } finally {
    if (typeof source === 'string') await transport.close?.();
  }
}

/**
 * One sync: the refs of both sides in parallel, the source's checked and filtered, the target's plan; then, unless
 * it is up to date or a dry run, the pack the plan wants, which the target applies.
 */
async function syncInto(transport: Transport, target: MirrorTarget, options: MirrorOptions, started: number): Promise<MirrorResult> {
  const { signal, dryRun } = options;
  const emit = options.onProgress ?? (() => {});
  emit({ type: 'phase', phase: 'listing-refs' });
  const [, advertised] = await Promise.all([target.readRefs({ dryRun, signal }), transport.listRefs({ signal })]);
  const accept = createRefFilter(options);
  checkAdvertisedRefs(transport.url, advertised, accept);
  const plan = await target.plan({ refs: advertised.refs.filter((ref) => accept(ref.name)), head: advertised.head, accept }, { dryRun, signal });
  const result = (applied: AppliedPlan): MirrorResult => ({
    source: transport.url,
    target: target.url,
    upToDate: plan.upToDate,
    created: plan.created,
    updated: plan.updated,
    deleted: plan.deleted,
    pack: applied.pack,
    protocolVersion: advertised.protocolVersion,
    ...(target.indexesPacks ? { readBack: applied.readBack ?? { requests: 0, bytes: 0, passes: 0 } } : {}),
    ...(applied.repack ? { repack: applied.repack } : {}),
    durationMs: performance.now() - started,
  });
  if (plan.upToDate || dryRun) {
    emit({ type: 'phase', phase: 'done' });
    return result({});
  }

  // Stopped once the target is done with the pack: a git server that refuses early must not leave the source sending.
  const fetching = new AbortController();
  const stopFetch = () => fetching.abort(signal?.reason);
  signal?.addEventListener('abort', stopFetch, { once: true });
  let applied: AppliedPlan;
  try {
    let pack: AsyncIterable<Uint8Array> | undefined;
    if (plan.wants.length > 0) {
      emit({ type: 'phase', phase: 'fetching' });
      pack = await transport.fetch({
        wants: plan.wants,
        haves: plan.haves,
        ...(plan.thin ? { thin: true } : {}),
        signal: fetching.signal,
        onProgress: (message) => emit({ type: 'remote-progress', message: sanitizeServerText(message) }),
      });
    }
    applied = await target.apply(plan, pack, { source: transport.url, signal, onProgress: emit });
  } finally {
    stopFetch();
    signal?.removeEventListener('abort', stopFetch);
  }
  emit({ type: 'phase', phase: 'done' });
  return result(applied);
}

function isMirrorTarget(target: string | Storage | MirrorTarget): target is MirrorTarget {
  return typeof target !== 'string' && 'apply' in target;
}
