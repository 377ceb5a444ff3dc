import { InvalidUrlError } from './errors.js';
import { ReceivePackClient } from './push/receive-pack-client.js';
import { redactUrl } from './redact.js';
import type { TransportOptions } from './transport/open-transport.js';
import { createHttpChannel } from './transport/http-channel.js';
import { isSshUrl } from './transport/ssh-url.js';

/** How a target is written: dumb files in S3 or a folder, or pushed to a git server. */
export type TargetKind = 's3' | 'folder' | 'git';

/**
 * The kind of target a URL names: `s3://` → `s3`; `http(s)://`, `ssh://…` and scp-like `[user@]host:path` → `git`
 * (smart push); `file://` and paths → `folder`.
 */
export function targetKind(url: string): TargetKind {
  if (/^s3:\/\//i.test(url)) return 's3';
  if (/^https?:\/\//i.test(url) || isSshUrl(url)) return 'git';
  return 'folder';
}

/** Options of a pushed target: those of sources, with `targetHeaders` sent instead of the source's `headers`. */
export interface PushTargetOptions extends TransportOptions {
  /** Extra request headers for an `http(s)://` target (a source's `headers` never go to the target). */
  targetHeaders?: Record<string, string>;
}

/** Opens `git-receive-pack` of the git server at `url` (`http(s)://` or ssh). */
export async function openPushTarget(url: string, options: PushTargetOptions = {}): Promise<ReceivePackClient> {
  if (isSshUrl(url)) {
    const { createSshChannel } = await import('./transport/ssh-channel.js');
    return new ReceivePackClient(createSshChannel(url, options.ssh, 'git-receive-pack'));
  }
  if (!/^https?:\/\//i.test(url)) throw new InvalidUrlError(`Cannot push to ${redactUrl(url)}: use http(s)://, ssh:// or [user@]host:path`);
  return new ReceivePackClient(await createHttpChannel(url, { ...options, headers: options.targetHeaders }, 'git-receive-pack'));
}
