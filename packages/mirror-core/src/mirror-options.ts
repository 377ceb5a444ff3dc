import type { Dispatcher } from 'undici';
import type { MirrorEvent } from './mirror-event.js';
import type { RefFilterOptions } from './ref-filter.js';
import type { TargetOptions } from './target/target-options.js';
import type { TransportOptions } from './transport/open-transport.js';
import type { SshOptions } from './transport/ssh-channel.js';

/** Options of the source: its transport (HTTP headers, netrc, ssh, the local git) and the limits of what it sends. */
export type SourceOptions = Omit<TransportOptions, 'memoryBudget'>;

/**
 * The options {@link MirrorOptions} took before `source` and `target` were separate, all at the top level: transport
 * options went to the source and (`netrc`, `timeout`, `retries`, `retryDelay`, `dispatcher`, `ssh`) to a git server
 * target as well. {@link splitMirrorOptions} maps them; `source` and `target` win over them.
 */
export interface FlatMirrorOptions {
  /** @deprecated Use `source.headers`. */
  headers?: Record<string, string>;
  /** @deprecated Use `target.headers`. */
  targetHeaders?: Record<string, string>;
  /** @deprecated Use `source.netrc` (and `target.netrc`). */
  netrc?: boolean | string;
  /** @deprecated Use `source.timeout` (and `target.timeout`). */
  timeout?: number;
  /** @deprecated Use `source.retries` (and `target.retries`). */
  retries?: number;
  /** @deprecated Use `source.retryDelay` (and `target.retryDelay`). */
  retryDelay?: number;
  /** @deprecated Use `source.dispatcher` (and `target.dispatcher`). */
  dispatcher?: Dispatcher;
  /** @deprecated Use `source.ssh` (and `target.ssh`). */
  ssh?: SshOptions;
  /** @deprecated Use `source.gitPath`. */
  gitPath?: string;
  /** @deprecated Use `source.protocolVersion`. */
  protocolVersion?: 0 | 2;
  /** @deprecated Use `source.maxRefs`. */
  maxRefs?: number;
  /** @deprecated Use `source.maxAdvertisementBytes`. */
  maxAdvertisementBytes?: number;
  /** @deprecated Use `source.maxPackObjects`. */
  maxPackObjects?: number;
  /** @deprecated Use `source.minTransferRate`. */
  minTransferRate?: number;
  /** @deprecated Use `source.minTransferRateWindow`. */
  minTransferRateWindow?: number;
  /** @deprecated Use `target.getS3Client`. */
  getS3Client?: TargetOptions['getS3Client'];
  /** @deprecated Use `target.s3`. */
  s3?: TargetOptions['s3'];
  /** @deprecated Use `target.atomic`. */
  atomic?: boolean;
  /** @deprecated Use `target.leftoverGraceMs`. */
  leftoverGraceMs?: number;
}

/** Options of `mirrorRepo`. */
export interface MirrorOptions extends RefFilterOptions, FlatMirrorOptions {
  /** How to reach the source. */
  source?: SourceOptions;
  /** How to write the target: a git server's own credentials and `atomic`, a dumb repository's S3 settings and grace. */
  target?: TargetOptions;
  /**
   * Bytes this repository's pack may use: the indexer's caches and workers, the copy of a small pack, the tee and, for
   * `s3://` targets, the upload's part buffers (split by `planRepositoryMemory`); the source's limits follow it too.
   * Default 128 MiB.
   */
  memoryBudget?: number;
  /** Compute what would change without fetching or writing anything. */
  dryRun?: boolean;
  /**
   * Milliseconds the whole sync may take, refs to publication; past it everything in flight is aborted, nothing more
   * is published, and the sync fails with `TIMEOUT`. Default none.
   */
  deadline?: number;
  signal?: AbortSignal;
  onProgress?: (event: MirrorEvent) => void;
}

/** Maps {@link FlatMirrorOptions} onto `source` and `target` options; those given as `source` and `target` win. */
export function splitMirrorOptions(options: MirrorOptions): { source: SourceOptions; target: TargetOptions } {
  const { headers, targetHeaders, netrc, timeout, retries, retryDelay, dispatcher, ssh, gitPath, protocolVersion } = options;
  const { maxRefs, maxAdvertisementBytes, maxPackObjects, minTransferRate, minTransferRateWindow, getS3Client, s3, atomic, leftoverGraceMs } = options;
  const connection = { netrc, timeout, retries, retryDelay, dispatcher, ssh };
  const source = { ...connection, headers, gitPath, protocolVersion, maxRefs, maxAdvertisementBytes, maxPackObjects, minTransferRate, minTransferRateWindow };
  const target = { ...connection, headers: targetHeaders, getS3Client, s3, atomic, leftoverGraceMs };
  return { source: { ...defined(source), ...options.source }, target: { ...defined(target), ...options.target } };
}

function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
