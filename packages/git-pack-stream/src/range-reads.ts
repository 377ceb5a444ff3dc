/**
 * Reads `length` bytes of the stored pack from `offset`. `into`, when given, is a buffer of at least `length` bytes
 * the caller lends for this read: an implementation may fill it and return a view of it, sparing an allocation (the
 * indexer lends the same two buffers to every read of a pass), or ignore it and return bytes of its own.
 */
export type ReadRange = (offset: number, length: number, into?: Uint8Array) => Promise<Uint8Array>;
