import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import type { IndexPackOptions, IndexPackResult } from '@gitmirror/git-pack-stream';
import { AbortedError, TransportError } from './errors.js';
import { checkConnectivity, checkHaves } from './dumb-repo/connectivity.js';
import { isUpToDate, planSync } from './dumb-repo/plan.js';
import { publish } from './dumb-repo/publish.js';
import { planRepositoryMemory } from './memory-plan.js';
import { storePack, type StoredPack } from './dumb-repo/store-pack.js';
import { readTargetStateAndRecover } from './dumb-repo/recover.js';
import { pushMirror } from './push/push-mirror.js';
import { createRefFilter, type RefFilterOptions } from './ref-filter.js';
import { checkAdvertisedRefs } from './refs.js';
import { sanitizeServerText } from './server-text.js';
import { openPushTarget, targetKind, type PushTargetOptions } from './target-kind.js';
import { redactUrl } from './redact.js';
import { startDeadline } from './transport/deadline.js';
import { openTransport } from './transport/open-transport.js';
import type { Transport } from './transport/transport.js';

/** Options of `openStorage` from `@gitmirror/dumb-storage` (S3 client override, S3 settings). */
export type TargetOptions = NonNullable<Parameters<typeof openStorage>[1]>;

/** The steps of one repository's sync, in order: refs of source and target, pack, publication. */
export type MirrorPhase = 'listing-refs' | 'fetching' | 'publishing' | 'done';

/** Progress of one repository's sync. */
export type MirrorEvent =
  | { type: 'phase'; phase: MirrorPhase }
  /** A progress line from the source (side-band 2), e.g. `Counting objects: 100% (42/42), done.` */
  | { type: 'remote-progress'; message: string }
  /** Receiving and indexing the pack. */
  | { type: 'pack-progress'; progress: Parameters<NonNullable<IndexPackOptions['onProgress']>>[0] };

/** Options of {@link mirrorRepo}. */
export interface MirrorOptions extends PushTargetOptions, RefFilterOptions {
  /** Creates the S3 client of `s3://` targets (replaces the default client). */
  getS3Client?: TargetOptions['getS3Client'];
  /** Settings of `s3://` targets (endpoint, path style, …). */
  s3?: TargetOptions['s3'];
  /**
   * Bytes this repository's pack may use: the indexer's caches and workers, the copy of a small pack, the tee and, for
   * `s3://` targets, the upload's part buffers (split by `planRepositoryMemory`). Default 128 MiB.
   */
  memoryBudget?: number;
  /** For git server targets: update all refs or none when the target offers `atomic`. Default true. */
  atomic?: boolean;
  /** Compute what would change without fetching or writing anything. */
  dryRun?: boolean;
  /**
   * Leftovers of killed syncs (temporary packs, unlisted packs, incomplete uploads) idle for longer than this many
   * milliseconds are removed at the start of a sync (not a dry run). Default one hour; keep it above the longest sync.
   */
  leftoverGraceMs?: number;
  /**
   * Milliseconds the whole sync may take, refs to publication; past it everything in flight is aborted, nothing more
   * is published, and the sync fails with `TIMEOUT`. Default none.
   */
  deadline?: number;
  signal?: AbortSignal;
  onProgress?: (event: MirrorEvent) => void;
}

/** Reads of the stored pack during delta resolution. */
export type ReadBackCounts = IndexPackResult['readBack'];

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
  pack?: { name: string; objects: number; bytes: number };
  /**
   * What resolving the pack's deltas read back once it had streamed in (from the in-memory copy of a small pack or
   * from the storage): reads, bytes and sequential passes; zeros when nothing was read back. Unset for git servers.
   */
  readBack?: ReadBackCounts;
  /** The protocol version the source answered with. */
  protocolVersion: 0 | 1 | 2;
  durationMs: number;
}

/** The default memory budget: 128 MiB. */
export const DEFAULT_MEMORY_BUDGET = 128 * 1024 * 1024;

/**
 * Mirrors one repository: makes `target` hold the refs and objects of `source` (`http(s)://`, ssh, `file://` or a
 * path, or a {@link Transport}), fetching only what the target lacks. The target's URL picks its kind: a dumb
 * repository for `s3://bucket/prefix`, `file://…` or a path (or a {@link Storage}); a push to a git server for
 * `http(s)://`, `ssh://…` and `[user@]host:path`, with the pack streamed from the source into the push.
 */
export async function mirrorRepo(source: string | Transport, target: string | Storage, options: MirrorOptions = {}): Promise<MirrorResult> {
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

async function sync(source: string | Transport, target: string | Storage, options: MirrorOptions): Promise<MirrorResult> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const transport = typeof source === 'string' ? await openTransport(source, options) : source;
  try {
    if (typeof target === 'string' && targetKind(target) === 'git') {
      const receivePack = await openPushTarget(target, options);
      try {
        return await pushMirror(transport, receivePack, options);
      } finally {
        await receivePack.close();
      }
    }
    return await syncDumb(transport, target, options, started);
  } finally {
    if (typeof source === 'string') await transport.close?.();
  }
}

async function syncDumb(transport: Transport, target: string | Storage, options: MirrorOptions, started: number): Promise<MirrorResult> {
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  const s3 = typeof target === 'string' && /^s3:/i.test(target);
  const memory = planRepositoryMemory(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET, { s3, upload: options.s3 });
  const s3Options = memory.upload ? { ...options.s3, partSize: memory.upload.partSize, queueSize: memory.upload.queueSize } : options.s3;
  const storage = typeof target === 'string' ? await openStorage(target, { getS3Client: options.getS3Client, s3: s3Options }) : target;

  emit({ type: 'phase', phase: 'listing-refs' });
  const [state, advertised] = await Promise.all([readTargetStateAndRecover(storage, options), transport.listRefs({ signal })]);
  const accept = createRefFilter(options);
  checkAdvertisedRefs(transport.url, advertised, accept);
  const plan = planSync({ refs: advertised.refs.filter((ref) => accept(ref.name)), head: advertised.head }, state);
  const result = (upToDate: boolean, pack?: StoredPack): MirrorResult => ({
    source: transport.url,
    target: storage.url,
    upToDate,
    created: plan.created,
    updated: plan.updated,
    deleted: plan.deleted,
    pack: pack && { name: pack.packFileName, objects: pack.objectCount, bytes: pack.packSize },
    protocolVersion: advertised.protocolVersion,
    readBack: pack?.readBack ?? { requests: 0, bytes: 0, passes: 0 },
    durationMs: performance.now() - started,
  });
  if (isUpToDate(plan) || options.dryRun) {
    emit({ type: 'phase', phase: 'done' });
    return result(isUpToDate(plan));
  }

  // Only a sync that writes checks the target: a no-op sync stays a few reads and no write.
  const { plan: checked, present } = await checkHaves(storage, state, plan, signal);
  let pack: StoredPack | undefined;
  if (checked.wants.length > 0) {
    emit({ type: 'phase', phase: 'fetching' });
    const stream = await transport.fetch({
      wants: checked.wants,
      haves: checked.haves,
      signal,
      onProgress: (message) => emit({ type: 'remote-progress', message: sanitizeServerText(message) }),
    });
    pack = await storePack(storage, stream, {
      memory,
      signal,
      onProgress: (progress) => emit({ type: 'pack-progress', progress }),
    });
  }
  try {
    await checkConnectivity(storage, state.packs, plan.refs, pack?.idx, { source: transport.url, present, external: pack?.links?.external, signal });
  } catch (error) {
    if (pack) await storage.delete([pack.tempKey]).catch(() => {});
    throw error;
  }
  emit({ type: 'phase', phase: 'publishing' });
  await publish(storage, state, plan, pack, { bareRepo: storage.url.startsWith('file:'), signal });
  emit({ type: 'phase', phase: 'done' });
  return result(false, pack);
}
