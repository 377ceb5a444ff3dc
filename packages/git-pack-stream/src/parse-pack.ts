import { iterateBytes, type ByteSource } from './byte-source.js';
import { PackParser, type PackEntry, type PackParserOptions, type PackSummary } from './pack-parser.js';

/**
 * Parses a pack stream into its entries, as they arrive: offset, type, sizes, CRC32, delta base,
 * id (non-delta objects) and inflated data (deltas, and objects up to `maxInflatedObjectSize`).
 * Deltas are not resolved. The generator's return value is the {@link PackSummary}, once the
 * trailer has been checked. Throws a {@link PackError} for malformed input.
 *
 * @example
 * for await (const entry of parsePack(fs.createReadStream('pack.pack'))) console.log(entry.offset, entry.type);
 */
export async function* parsePack(source: ByteSource, options?: PackParserOptions): AsyncGenerator<PackEntry, PackSummary> {
  const entries: PackEntry[] = [];
  const parser = new PackParser((entry) => entries.push(entry), options);
  try {
    for await (const chunk of iterateBytes(source)) {
      parser.push(chunk);
      yield* entries;
      entries.length = 0;
    }
    // The last entry may end with the stream: its zlib stream is seen to end only by the trailer.
    const summary = parser.end();
    yield* entries;
    return summary;
  } finally {
    parser.close();
  }
}
