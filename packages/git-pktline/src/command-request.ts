import { concat } from './concat.js';
import { DELIM_PKT, FLUSH_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';

/** A protocol v2 command request. Lines are given without their trailing `\n`. */
export interface CommandRequest {
  /** The command, e.g. `ls-refs` or `fetch`. */
  command: string;
  /** Capability lines sent before the delimiter, e.g. `agent=gitmirror/1.0`, `object-format=sha1`. */
  capabilities?: readonly string[];
  /** Argument lines sent after the delimiter, e.g. `peel`, `ref-prefix refs/heads/`, `want <oid>`. */
  args?: readonly string[];
}

/**
 * Encodes a protocol v2 request the way git sends it: `command=<command>\n`, one pkt-line per
 * capability, a delim packet, one pkt-line per argument, then a flush packet.
 * @throws PktLineError `INVALID_LINE` if a line contains `\n`, `PACKET_TOO_LONG` if one is too long.
 */
export function encodeCommandRequest(request: CommandRequest): Uint8Array {
  return concat([
    encodeLine(`command=${request.command}`),
    ...(request.capabilities ?? []).map(encodeLine),
    DELIM_PKT,
    ...(request.args ?? []).map(encodeLine),
    FLUSH_PKT,
  ]);
}

function encodeLine(line: string): Uint8Array {
  if (line.includes('\n')) {
    throw new PktLineError('INVALID_LINE', `request line ${JSON.stringify(line)} must not contain a line feed`, -1);
  }
  return encodePacket(`${line}\n`);
}
