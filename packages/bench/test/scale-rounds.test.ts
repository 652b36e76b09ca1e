import { describe, expect, it } from 'vitest';
import { medianRound, roundOrder } from '../src/scale-rounds.js';

const round = (one: number, two: number) => [
  { replicas: 1, cropsPerSecond: one },
  { replicas: 2, cropsPerSecond: two },
];

describe('scale-out rounds', () => {
  it('alternates the order of the replica counts from round to round', () => {
    expect([1, 2, 3, 4].map((n) => roundOrder([1, 2, 4], n))).toEqual([
      [1, 2, 4],
      [4, 2, 1],
      [1, 2, 4],
      [4, 2, 1],
    ]);
  });

  it('picks the round whose 2 / 1 ratio is the median, not the fastest round', () => {
    const ratio170 = round(100, 170);
    const ratio150 = round(300, 450);
    const ratio195 = round(200, 390);
    expect(medianRound([ratio195, ratio170, ratio150])).toBe(ratio170);
    expect(medianRound([round(100, 120), ratio195, ratio150])).toBe(ratio150);
    expect(medianRound([ratio150])).toBe(ratio150);
  });

  it('refuses to pick from no rounds', () => {
    expect(() => medianRound([])).toThrow(/no scale-out rounds/);
  });
});
