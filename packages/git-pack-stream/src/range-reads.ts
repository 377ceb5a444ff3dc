/** Reads `length` bytes of the stored pack from `offset`. */
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/** Reads several ranges of the stored pack; resolves to their bytes in the same order. */
export type ReadRanges = (ranges: readonly (readonly [offset: number, length: number])[]) => Promise<Uint8Array[]>;

/** Turns a single-range `read` into a {@link ReadRanges} that keeps at most `maxInFlight` reads running. */
export function limitedReads(read: ReadRange, maxInFlight = 8): ReadRanges {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const readOne = async (offset: number, length: number): Promise<Uint8Array> => {
    while (inFlight >= maxInFlight) await new Promise<void>((resume) => waiting.push(resume));
    inFlight++;
    try {
      return await read(offset, length);
    } finally {
      inFlight--;
      waiting.shift()?.();
    }
  };
  return (ranges) => Promise.all(ranges.map(([offset, length]) => readOne(offset, length)));
}
