import { MAX_PAYLOAD_SIZE } from './constants.js';
import { PktLineError } from './errors.js';

const textEncoder = new TextEncoder();
const HEX = '0123456789abcdef';

/**
 * Frames one data packet: a 4-hex-digit length (prefix included) followed by the payload.
 * Strings are encoded as UTF-8 and sent as given; text lines should end with `\n`.
 * @throws PktLineError `PACKET_TOO_LONG` if the payload exceeds {@link MAX_PAYLOAD_SIZE} bytes.
 */
export function encodePacket(data: string | Uint8Array): Uint8Array {
  const payload = typeof data === 'string' ? textEncoder.encode(data) : data;
  if (payload.length > MAX_PAYLOAD_SIZE) {
    throw new PktLineError(
      'PACKET_TOO_LONG',
      `payload of ${payload.length} bytes exceeds the pkt-line maximum of ${MAX_PAYLOAD_SIZE}`,
      -1,
    );
  }
  const length = payload.length + 4;
  const packet = new Uint8Array(length);
  packet[0] = HEX.charCodeAt(length >>> 12);
  packet[1] = HEX.charCodeAt((length >>> 8) & 0xf);
  packet[2] = HEX.charCodeAt((length >>> 4) & 0xf);
  packet[3] = HEX.charCodeAt(length & 0xf);
  packet.set(payload, 4);
  return packet;
}
