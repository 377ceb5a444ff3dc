import type { MirrorRef } from '../refs.js';
import type { Head } from '../dumb-repo/head.js';

/** The refs a source advertises (HEAD excluded from `refs`, described by `head`). */
export interface SourceRefs {
  /** Protocol version the server answered with. */
  protocolVersion: 0 | 1 | 2;
  refs: MirrorRef[];
  /** The source's HEAD: a symref (possibly to an unborn branch) or a detached id; absent when not advertised. */
  head?: Head;
}

/** A message from the source while it prepares or sends a pack (side-band 2, e.g. `Counting objects: 42`). */
export type TransportProgress = (message: string) => void;

/** What to fetch: `wants` are object ids the mirror lacks, `haves` ids whose whole history the mirror holds. */
export interface FetchRequest {
  wants: readonly string[];
  haves: readonly string[];
  /** Accept a thin pack (deltas against objects reachable from `haves`, left out of the pack), for a push. */
  thin?: boolean;
  onProgress?: TransportProgress;
  signal?: AbortSignal;
}

/**
 * A connection to a git server's upload-pack service. One instance per source URL;
 * calls are independent requests, as in git's stateless (HTTP) protocol.
 */
export interface Transport {
  /** The source URL with credentials redacted, for messages. */
  readonly url: string;
  /** Lists the source's refs with peeled tags and HEAD's target. */
  listRefs(options?: { signal?: AbortSignal }): Promise<SourceRefs>;
  /**
   * Asks for a pack holding `wants` minus what `haves` reach (thin only when asked). Resolves once the server has started
   * sending the pack; the returned stream yields the raw pack bytes and fails if the connection drops.
   */
  fetch(request: FetchRequest): Promise<AsyncIterable<Uint8Array>>;
  /** Releases a connection kept between calls (ssh); transports without one do not define it. */
  close?(): Promise<void>;
}
