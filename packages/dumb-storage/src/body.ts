import type { Body } from './storage.js';

/** The body as an async iterable of chunks (a single chunk for bytes). */
export async function* bodyChunks(body: Body): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) yield body;
  else yield* body;
}

/** Reads an async iterable of chunks into one array (for small objects, and ranged reads). */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>, expectedSize?: number): Promise<Uint8Array> {
  if (expectedSize !== undefined) {
    const bytes = new Uint8Array(expectedSize);
    let filled = 0;
    for await (const chunk of chunks) {
      const take = Math.min(chunk.byteLength, expectedSize - filled);
      bytes.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), filled);
      filled += take;
    }
    return filled === expectedSize ? bytes : bytes.subarray(0, filled);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
