/** Percentile by linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sortedPercentile(sorted, p);
}

function sortedPercentile(sorted: readonly number[], p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** The row with the most crops per second (the first of equals), or undefined for none. */
export function fastest<T extends { readonly cropsPerSecond: number }>(rows: readonly T[]): T | undefined {
  return rows.reduce<T | undefined>((top, row) => (top === undefined || row.cropsPerSecond > top.cropsPerSecond ? row : top), undefined);
}

/** Latency of a set of calls as perf_analyzer reports it, in the unit of the samples. */
export interface LatencySummary {
  /** Samples summarised. */
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** n, mean, p50/p90/p95/p99 and max of the samples; NaN for every figure when there are none. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { n: 0, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => round(sortedPercentile(sorted, p), 2);
  return {
    n: sorted.length,
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length, 2),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    max: round(sorted[sorted.length - 1], 2),
  };
}

/** Rounds to `digits` decimals; NaN and infinities pass through. */
export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** a / b, or NaN when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}
