import type { openStorage } from '@gitmirror/dumb-storage';
import type { HttpOptions } from '../transport/http-channel.js';
import type { SshOptions } from '../transport/ssh-channel.js';

type StorageOptions = NonNullable<Parameters<typeof openStorage>[1]>;

/** Options of a git server target (`http(s)://`, ssh): its own credentials and connection settings, never a source's. */
export interface GitServerTargetOptions extends HttpOptions {
  /** Keys, agent and known_hosts of an ssh target. */
  ssh?: SshOptions;
  /** Update all refs or none when the target offers `atomic`. Default true. */
  atomic?: boolean;
}

/** Options of a dumb repository target (`s3://`, `file://`, a path). */
export interface DumbTargetOptions {
  /** Creates the S3 client of `s3://` targets (replaces the default client). */
  getS3Client?: StorageOptions['getS3Client'];
  /** Settings of `s3://` targets (endpoint, path style, …); the part size and queue follow the memory plan unless set. */
  s3?: StorageOptions['s3'];
  /**
   * Leftovers of killed syncs (temporary packs, unlisted packs, incomplete uploads) idle for longer than this many
   * milliseconds are removed at the start of a sync (not a dry run). Default one hour; keep it above the longest sync.
   */
  leftoverGraceMs?: number;
  /**
   * After a sync that added a pack, merge packs by the geometric policy (each pack at least twice all smaller ones
   * together), so that the mirror holds about log2 of its history in packs. `false` turns it off; `maxBytes` bounds
   * what one such repack rewrites (default {@link DEFAULT_AUTO_REPACK_MAX_BYTES}: larger merges are left to `repack`).
   * Default on.
   */
  autoRepack?: boolean | { maxBytes?: number };
}

/** Default of `autoRepack.maxBytes`: 1 GiB. */
export const DEFAULT_AUTO_REPACK_MAX_BYTES = 1024 ** 3;

/** Options of a target: those of its kind apply, the others are ignored. */
export interface TargetOptions extends GitServerTargetOptions, DumbTargetOptions {}
