/**
 * Codes carried by {@link PktLineError}.
 *
 * - `BAD_LENGTH`: the 4-byte length prefix is not four hexadecimal digits.
 * - `RESERVED_LENGTH`: the length is `0003`, which is neither a special packet nor a valid data packet.
 * - `PACKET_TOO_LONG`: the length exceeds {@link MAX_PACKET_SIZE}, or a payload to encode exceeds {@link MAX_PAYLOAD_SIZE}.
 * - `UNEXPECTED_EOF`: the stream ended inside a packet, or before the packet a parser needed.
 * - `UNEXPECTED_PACKET`: a special packet (flush, delim, response-end) where it is not allowed.
 * - `UNKNOWN_BAND`: a side-band packet whose band designator is not 1, 2 or 3.
 * - `MISSING_BAND`: an empty data packet where a side-band designator was required.
 * - `BAD_ADVERTISEMENT`: a malformed ref advertisement, capability advertisement or ls-refs line.
 * - `INVALID_LINE`: a line to encode contains a line feed.
 * - `LIMIT_EXCEEDED`: a ref listing has more refs or bytes than the reader's limits allow.
 */
export type PktLineErrorCode =
  | 'BAD_LENGTH'
  | 'RESERVED_LENGTH'
  | 'PACKET_TOO_LONG'
  | 'UNEXPECTED_EOF'
  | 'UNEXPECTED_PACKET'
  | 'UNKNOWN_BAND'
  | 'MISSING_BAND'
  | 'BAD_ADVERTISEMENT'
  | 'INVALID_LINE'
  | 'LIMIT_EXCEEDED';

/**
 * The bytes violate the pkt-line framing or the protocol grammar built on it.
 *
 * `offset` is the byte offset, in the stream being read, of the start of the offending packet
 * (or of the truncated data for `UNEXPECTED_EOF`); it is `-1` for errors raised while encoding.
 */
export class PktLineError extends Error {
  override readonly name = 'PktLineError';
  readonly code: PktLineErrorCode;
  readonly offset: number;

  constructor(code: PktLineErrorCode, message: string, offset: number) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.code = code;
    this.offset = offset;
  }
}

/**
 * The remote reported a fatal error: an `ERR <message>` packet in place of a response.
 * `remoteMessage` is the server's text, without the `ERR ` prefix and trailing line feed.
 */
export class RemoteError extends Error {
  override readonly name: string = 'RemoteError';
  readonly code = 'REMOTE_ERROR';
  readonly remoteMessage: string;

  constructor(remoteMessage: string) {
    super(`remote error: ${remoteMessage}`);
    this.remoteMessage = remoteMessage;
  }
}

/** The remote sent a fatal error on side-band 3. A {@link RemoteError}, so one `catch` handles both. */
export class SideBandError extends RemoteError {
  override readonly name = 'SideBandError';
}
