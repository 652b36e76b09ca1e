import { createRng } from './rng.js';

/** A point estimate with its 95 % interval. */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** 95 % percentile interval of bootstrap replicates; NaN replicates (a resample without a class) are left out. */
export function percentileInterval(values: readonly number[]): [number, number] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
  return [at(0.025), at(0.975)];
}

/**
 * Rows grouped into resampling units: all rows of a group (one photo) move together, so that
 * the interval reflects the number of photos, not of crops. Rows whose group is in `singletons`
 * (generated crops, which share nothing) are units of their own.
 */
export function bootstrapUnits(groups: readonly string[], singletons: ReadonlySet<string> = new Set()): number[][] {
  const units = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = singletons.has(g) ? `${g}#${i}` : g;
    const rows = units.get(key);
    if (rows === undefined) units.set(key, [i]);
    else rows.push(i);
  });
  return [...units.values()];
}

/**
 * Percentile bootstrap: `statistic` on the full set of rows and on `resamples` draws of units
 * with replacement (seeded, so a report is reproducible).
 */
export function bootstrap(units: readonly (readonly number[])[], statistic: (rows: readonly number[]) => number, resamples: number, seed: number): Estimate {
  const all = units.flat();
  const value = statistic(all);
  const rng = createRng(seed);
  const replicates: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const rows: number[] = [];
    for (let k = 0; k < units.length; k++) rows.push(...(units[Math.floor(rng.next() * units.length)] as number[]));
    replicates.push(statistic(rows));
  }
  const [low, high] = percentileInterval(replicates);
  return { value, low, high };
}

/**
 * Wilson score interval of a proportion (95 %): well behaved at 0 and 1 and for small counts,
 * where the normal approximation gives intervals outside [0, 1].
 */
export function wilsonInterval(successes: number, trials: number): Estimate {
  if (trials === 0) return { value: Number.NaN, low: Number.NaN, high: Number.NaN };
  const z = 1.959964;
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  // At 0 and 1 the bound is exactly 0 or 1; computed, it can miss by a rounding error.
  return { value: p, low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === trials ? 1 : Math.min(1, centre + half) };
}

/** Sensitivity and specificity of `score >= threshold` as the positive call. */
export function sensitivitySpecificity(scores: ArrayLike<number>, positive: ArrayLike<boolean>, threshold: number): { sensitivity: number; specificity: number } {
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  for (let i = 0; i < scores.length; i++) {
    const called = (scores[i] as number) >= threshold;
    if (positive[i]) called ? tp++ : fn++;
    else called ? fp++ : tn++;
  }
  return { sensitivity: tp + fn === 0 ? Number.NaN : tp / (tp + fn), specificity: tn + fp === 0 ? Number.NaN : tn / (tn + fp) };
}

/**
 * The threshold maximising Youden's J = sensitivity + specificity - 1, placed midway between
 * the two scores it separates (so that a new score equal to neither falls on a definite side).
 * Ties in J go to the higher threshold (fewer positive calls).
 */
export function youdenThreshold(scores: ArrayLike<number>, positive: ArrayLike<boolean>): { threshold: number; j: number } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let positives = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) positives++;
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return { threshold: Number.NaN, j: Number.NaN };
  // Walking down the sorted scores, calling everything above the cut positive.
  let best = { threshold: Infinity, j: 0 };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (positive[i]) tp++;
    else fp++;
    const next = order[k + 1];
    const here = scores[i] as number;
    // Only cut between distinct scores.
    if (next !== undefined && (scores[next] as number) === here) continue;
    const j = tp / positives - fp / negatives;
    if (j > best.j) best = { threshold: next === undefined ? here : (here + (scores[next] as number)) / 2, j };
  }
  return best;
}
