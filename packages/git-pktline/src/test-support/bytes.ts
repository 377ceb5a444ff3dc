/** Test helpers for building byte streams. */

export { concat } from '../concat.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** An async iterable yielding the given chunks as plain Uint8Arrays, each copied into its own ArrayBuffer. */
export async function* chunksOf(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield new Uint8Array(chunk);
}

/** Splits bytes at the given positions (sorted, exclusive of 0 and length). */
export function splitAt(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const position of [...positions, bytes.length]) {
    parts.push(bytes.subarray(start, position));
    start = position;
  }
  return parts;
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
