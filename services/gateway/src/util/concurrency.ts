/**
 * Runs fn over items with at most `limit` calls in flight and returns the results in item order.
 * The first failure aborts the signal handed to the other calls (so their gRPC calls are
 * cancelled instead of running on for nothing) and is the error this rejects with.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  parent: AbortSignal | undefined,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  const signal = parent ? AbortSignal.any([parent, controller.signal]) : controller.signal;
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index], index, signal);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
