/**
 * One pkt-line. `data` is the payload without the 4-byte length prefix: a view into the chunk it
 * arrived in when the whole packet lay inside one chunk, a fresh copy only when it spanned chunks.
 */
export type Packet =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'response-end' };

/** The flush packet value, shared because it carries no data. */
export const FLUSH: Packet = Object.freeze({ kind: 'flush' });
/** The delim packet value, shared because it carries no data. */
export const DELIM: Packet = Object.freeze({ kind: 'delim' });
/** The response-end packet value, shared because it carries no data. */
export const RESPONSE_END: Packet = Object.freeze({ kind: 'response-end' });

const utf8 = new TextDecoder('utf-8', { fatal: true });
const LF = 0x0a;

/**
 * Decodes a text packet payload as UTF-8 and drops one trailing line feed, as git does for text lines.
 * @throws TypeError if the payload is not valid UTF-8.
 */
export function decodeLine(data: Uint8Array): string {
  const end = data.length > 0 && data[data.length - 1] === LF ? data.length - 1 : data.length;
  return utf8.decode(data.subarray(0, end));
}

/** Whether a payload is an `ERR <message>` packet, git's way to abort a response with a message. */
export function isErrLine(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x45 && data[1] === 0x52 && data[2] === 0x52 && data[3] === 0x20;
}

const lenientUtf8 = new TextDecoder('utf-8');

/** Decodes a human-readable message (error or progress text), replacing invalid UTF-8, without trailing line feeds. */
export function decodeMessage(data: Uint8Array): string {
  return lenientUtf8.decode(data).replace(/\n+$/, '');
}
