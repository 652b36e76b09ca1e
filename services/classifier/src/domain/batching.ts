export interface BatchRange {
  /** First crop of the batch (inclusive). */
  readonly start: number;
  /** One past the last crop of the batch. */
  readonly end: number;
}

/**
 * Splits count crops into the fewest batches of at most maxBatch, with sizes differing by at most
 * one (40 crops at 32 -> 20 + 20, not 32 + 8), so that no batch is a small, poorly amortised
 * leftover and latency per batch stays even.
 */
export function batchRanges(count: number, maxBatch: number): BatchRange[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  const batches = Math.ceil(count / maxBatch);
  const ranges: BatchRange[] = [];
  let start = 0;
  for (let index = 0; index < batches; index += 1) {
    // Spread the remainder over the first batches: sizes are floor or floor + 1.
    const size = Math.floor(count / batches) + (index < count % batches ? 1 : 0);
    ranges.push({ start, end: start + size });
    start += size;
  }
  return ranges;
}
