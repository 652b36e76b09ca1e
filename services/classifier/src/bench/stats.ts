/** Latency percentiles by the nearest-rank method, in the unit of the samples. */
export function percentiles(samples: readonly number[], ranks: readonly number[] = [50, 90, 95, 99]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const result: Record<string, number> = {};
  for (const rank of ranks) {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
    result[`p${rank}`] = sorted.length === 0 ? Number.NaN : sorted[index];
  }
  return result;
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Pseudo-random crops (xorshift32): texture like real skin crops, not a constant image. */
export function benchCrops(count: number, size: number, seed = 0x9e3779b9): Uint8Array {
  const data = new Uint8Array(count * size * size * 3);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < data.length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[index] = state & 0xff;
  }
  return data;
}
