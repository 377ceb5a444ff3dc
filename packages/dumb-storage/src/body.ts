import type { Body } from './storage.js';

/** The body as an async iterable of chunks (a single chunk for bytes). */
export async function* bodyChunks(body: Body): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) yield body;
  else yield* body;
}
