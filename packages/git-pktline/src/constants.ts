/** Largest pkt-line git sends or accepts, including the 4-byte length prefix (git's `LARGE_PACKET_MAX`). */
export const MAX_PACKET_SIZE = 65520;

/** Largest payload of one data packet: {@link MAX_PACKET_SIZE} minus the length prefix. */
export const MAX_PAYLOAD_SIZE = MAX_PACKET_SIZE - 4;

/** Flush packet `0000`: ends a message or a section. Treat as read-only. */
export const FLUSH_PKT: Uint8Array = new TextEncoder().encode('0000');

/** Delimiter packet `0001`: separates sections of a protocol v2 message. Treat as read-only. */
export const DELIM_PKT: Uint8Array = new TextEncoder().encode('0001');

/** Response-end packet `0002`: ends a protocol v2 response in stateless transports. Treat as read-only. */
export const RESPONSE_END_PKT: Uint8Array = new TextEncoder().encode('0002');
