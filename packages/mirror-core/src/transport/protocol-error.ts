import { PktLineError, RemoteError } from '@gitmirror/git-pktline';
import { TransportError, type MirrorErrorCode } from '../errors.js';
import { sanitizeServerText } from '../server-text.js';

/** Who a protocol client talks to, as its failures name it: the fetch's source server or the push's target. */
export interface ProtocolPeer {
  /** What the messages call the other end. */
  who: 'server' | 'target';
  /** What they call a reply that does not parse. */
  reply: 'response' | 'answer';
  /** The code of a connection that ended mid-exchange. */
  eofCode: Extract<MirrorErrorCode, 'CONNECTION_LOST' | 'PUSH_FAILED'>;
}

/**
 * Rethrows a failure met while `doing` something with `url` as a {@link TransportError}: git-pktline's
 * {@link RemoteError} (an `ERR` line or side-band 3) as `REMOTE_ERROR` with the peer's text made safe to show, its
 * `UNEXPECTED_EOF` {@link PktLineError} as the peer's `eofCode`, anything else as `PROTOCOL_ERROR`. A
 * `TransportError` and an `AbortError` pass through as they are.
 */
export function rethrowProtocolError(error: unknown, url: string, doing: string, peer: ProtocolPeer): never {
  if (error instanceof TransportError) throw error;
  if (error instanceof RemoteError) {
    throw new TransportError('REMOTE_ERROR', `${url}: the ${peer.who} reported an error while ${doing}: ${sanitizeServerText(error.remoteMessage)}`, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') throw error;
  if (error instanceof PktLineError && error.code === 'UNEXPECTED_EOF') {
    throw new TransportError(peer.eofCode, `${url}: the connection ended while ${doing}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  throw new TransportError('PROTOCOL_ERROR', `${url}: unexpected ${peer.reply} while ${doing}: ${sanitizeServerText(message)}`, { cause: error });
}
