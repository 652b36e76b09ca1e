import { ratio } from './stats.js';

/** The sides of a round in its order: as given in odd rounds, reversed in even ones, so that a steady drift falls on both sides. */
export function roundOrder<Side>(sides: readonly Side[], round: number): Side[] {
  return round % 2 === 1 ? [...sides] : [...sides].reverse();
}

/** Crops/s of 2 replicas over 1 in one round's rows (NaN when either is missing). */
export function roundRatio(rows: readonly { replicas: number; cropsPerSecond: number }[]): number {
  return ratio(rows.find((r) => r.replicas === 2)?.cropsPerSecond, rows.find((r) => r.replicas === 1)?.cropsPerSecond);
}

/** The round whose 2-vs-1 replica ratio is the median of the rounds' (the lower middle one of an even count). */
export function medianRound<Row extends { replicas: number; cropsPerSecond: number }>(rounds: readonly (readonly Row[])[]): readonly Row[] {
  if (rounds.length === 0) throw new Error('no scale-out rounds ran');
  const ranked = [...rounds].sort((a, b) => roundRatio(a) - roundRatio(b));
  return ranked[Math.floor((ranked.length - 1) / 2)]!;
}
