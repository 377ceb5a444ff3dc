/** The first position in `values[0, end)` (ascending) whose value is not below `value`; `end` when there is none. */
export function lowerBound(values: ArrayLike<number>, value: number, end: number = values.length): number {
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The position of `value` in `values[0, end)` (ascending, no repeats), or -1. */
export function indexOfSorted(values: ArrayLike<number>, value: number, end: number = values.length): number {
  const at = lowerBound(values, value, end);
  return at < end && values[at] === value ? at : -1;
}
