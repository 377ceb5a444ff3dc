/** Reads `length` bytes of the stored pack from `offset`. */
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;
