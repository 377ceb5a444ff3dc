/**
 * Runs `action` on every item with at most `concurrency` running at once. After a failure no new item starts; once
 * the running ones have settled, the first failure is thrown (so cleanup never races a request still in flight).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  action: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await action(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}
