import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import { repackDumbMirror, type RepackOptions, type RepackResult } from './dumb-repo/repack.js';
import { InvalidUrlError } from './errors.js';
import { redactUrl } from './redact.js';
import { targetKind } from './target/open-target.js';
import type { DumbTargetOptions } from './target/target-options.js';

/** Options of {@link repackMirror}: the repack's, and how to reach an `s3://` target. */
export interface RepackMirrorOptions extends RepackOptions, Pick<DumbTargetOptions, 'getS3Client' | 's3'> {}

/** What {@link repackMirror} did, and where. */
export interface RepackMirrorResult extends RepackResult {
  /** The target's URL, credentials redacted. */
  target: string;
  durationMs: number;
}

/**
 * Compacts a dumb mirror (`s3://…`, a folder, or any {@link Storage}) in place, without a local copy: merges the
 * packs the geometric policy picks, or all of them with `all`, streaming from the storage into the storage; the
 * replaced packs stay readable for the grace period. Safe to run while syncs write the same mirror.
 * @throws InvalidUrlError for a git server URL: a git server compacts its own packs.
 * @throws ConflictError when another repack replaced some of the same packs first.
 */
export async function repackMirror(target: string | Storage, options: RepackMirrorOptions = {}): Promise<RepackMirrorResult> {
  const started = performance.now();
  if (typeof target === 'string' && targetKind(target) === 'git') {
    throw new InvalidUrlError(`Cannot repack ${redactUrl(target)}: repack compacts dumb mirrors (s3://…, a folder); a git server compacts its own packs`);
  }
  const storage = typeof target === 'string' ? await openStorage(target, { getS3Client: options.getS3Client, s3: options.s3 }) : target;
  const result = await repackDumbMirror(storage, options);
  return { target: storage.url, ...result, durationMs: performance.now() - started };
}
