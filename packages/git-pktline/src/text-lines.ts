import { PktLineError, RemoteError } from './errors.js';
import { decodeLine, decodeMessage, isErrLine } from './packet.js';
import type { PktLineReader } from './reader.js';

/** One text pkt-line and the byte offset of its packet. */
export interface TextLine {
  text: string;
  offset: number;
}

/**
 * Reads one flush-terminated section of text lines (trailing `\n` removed), consuming the flush.
 * @throws RemoteError on an `ERR` line; PktLineError on EOF, a special packet or invalid UTF-8.
 */
export async function* readTextLines(reader: PktLineReader, section: string): AsyncGenerator<TextLine, void, undefined> {
  for (;;) {
    const offset = reader.offset;
    const packet = await reader.read();
    if (packet === null) throw new PktLineError('UNEXPECTED_EOF', `${section} ended before its flush packet`, offset);
    if (packet.kind === 'flush') return;
    if (packet.kind !== 'data') {
      throw new PktLineError('UNEXPECTED_PACKET', `unexpected ${packet.kind} packet in ${section}`, offset);
    }
    if (isErrLine(packet.data)) throw new RemoteError(decodeMessage(packet.data.subarray(4)));
    let text: string;
    try {
      text = decodeLine(packet.data);
    } catch {
      throw new PktLineError('BAD_ADVERTISEMENT', `${section} line is not valid UTF-8`, offset);
    }
    yield { text, offset };
  }
}

/** A `BAD_ADVERTISEMENT` error quoting (a prefix of) the offending line. */
export function malformedLine(section: string, problem: string, line: TextLine): PktLineError {
  const quoted = JSON.stringify(line.text.length > 120 ? `${line.text.slice(0, 120)}…` : line.text);
  return new PktLineError('BAD_ADVERTISEMENT', `${section}: ${problem} in line ${quoted}`, line.offset);
}
