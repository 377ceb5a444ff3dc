import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import { InvalidUrlError } from '../errors.js';
import { DEFAULT_MEMORY_BUDGET, planRepositoryMemory } from '../memory-plan.js';
import { ReceivePackClient } from '../push/receive-pack-client.js';
import { redactUrl } from '../redact.js';
import { createHttpChannel } from '../transport/http-channel.js';
import { isSshUrl } from '../transport/ssh-url.js';
import { DumbTarget } from './dumb-target.js';
import { GitServerTarget } from './git-server-target.js';
import type { MirrorTarget, TargetKind } from './mirror-target.js';
import { DEFAULT_AUTO_REPACK_MAX_BYTES, type DumbTargetOptions, type TargetOptions } from './target-options.js';

/** Options of {@link openTarget}: the target's own, and the repository's share of memory. */
export interface OpenTargetOptions extends TargetOptions {
  /** Bytes this repository's pack may use (split by `planRepositoryMemory`). Default {@link DEFAULT_MEMORY_BUDGET}. */
  memoryBudget?: number;
}

/**
 * The kind of target a URL names: `s3://` → `s3`; `http(s)://`, `ssh://…` and scp-like `[user@]host:path` → `git`
 * (smart push); `file://` and paths → `folder`.
 */
export function targetKind(url: string): TargetKind {
  if (/^s3:\/\//i.test(url)) return 's3';
  if (/^https?:\/\//i.test(url) || isSshUrl(url)) return 'git';
  return 'folder';
}

/**
 * Opens the target of a sync. A URL picks its kind ({@link targetKind}): a dumb repository in S3 or a folder, whose
 * S3 upload parts follow the memory plan, or a git server pushed to over receive-pack. A {@link Storage} is a dumb
 * repository as it is (its uploads tuned by whoever opened it), also a bare repository when it is a folder.
 */
export async function openTarget(target: string | Storage, options: OpenTargetOptions = {}): Promise<MirrorTarget> {
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  if (typeof target !== 'string') {
    const memory = planRepositoryMemory(budget, { s3: false });
    const kind = /^s3:/i.test(target.url) ? 's3' : 'folder';
    return new DumbTarget(target, { kind, bareRepository: target.url.startsWith('file:'), memory, leftoverGraceMs: options.leftoverGraceMs, autoRepack: autoRepack(options) });
  }
  const kind = targetKind(target);
  if (kind === 'git') return new GitServerTarget(await openReceivePack(target, options), { atomic: options.atomic });
  const memory = planRepositoryMemory(budget, { s3: kind === 's3', upload: options.s3 });
  const s3 = memory.upload ? { ...options.s3, partSize: memory.upload.partSize, queueSize: memory.upload.queueSize } : options.s3;
  const storage = await openStorage(target, { getS3Client: options.getS3Client, s3 });
  return new DumbTarget(storage, { kind, bareRepository: storage.url.startsWith('file:'), memory, leftoverGraceMs: options.leftoverGraceMs, autoRepack: autoRepack(options) });
}

function autoRepack(options: DumbTargetOptions): { maxBytes: number } | undefined {
  if (options.autoRepack === false) return undefined;
  const maxBytes = options.autoRepack === true || options.autoRepack === undefined ? undefined : options.autoRepack.maxBytes;
  return { maxBytes: maxBytes ?? DEFAULT_AUTO_REPACK_MAX_BYTES };
}

/** Opens `git-receive-pack` of the git server at `url` (`http(s)://` or ssh). */
export async function openReceivePack(url: string, options: TargetOptions = {}): Promise<ReceivePackClient> {
  if (isSshUrl(url)) {
    const { createSshChannel } = await import('../transport/ssh-channel.js');
    return new ReceivePackClient(createSshChannel(url, options.ssh, 'git-receive-pack'));
  }
  if (!/^https?:\/\//i.test(url)) throw new InvalidUrlError(`Cannot push to ${redactUrl(url)}: use http(s)://, ssh:// or [user@]host:path`);
  return new ReceivePackClient(await createHttpChannel(url, options, 'git-receive-pack'));
}
