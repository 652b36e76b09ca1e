import { describe, expect, it } from 'vitest';
import { cosineDistance, minmax, scoreUglyDucklings } from '../src/domain/ugly-duckling.js';

describe('minmax', () => {
  it('scales to [0, 1] and maps a constant vector to zeros', () => {
    expect(minmax([2, 4, 6])).toEqual([0, 0.5, 1]);
    expect(minmax([5, 5, 5])).toEqual([0, 0, 0]);
  });
});

describe('cosineDistance', () => {
  it('is 0 for parallel, 1 for orthogonal vectors, and 0 against a zero vector', () => {
    expect(cosineDistance([1, 2], [2, 4])).toBeCloseTo(0, 12);
    expect(cosineDistance([1, 0], [0, 3])).toBeCloseTo(1, 12);
    expect(cosineDistance([0, 0], [1, 1])).toBe(0);
  });
});

describe('scoreUglyDucklings', () => {
  it('equals the value computed by hand on a 3-lesion matrix', () => {
    // By hand: rows [1,0,0], [0,1,.5], [1,1,1] (diameter column = minmax(d) * max(f) = [0,.5,1]);
    // mean [2/3, 2/3, .5]; cosine distances .375305, .231726, .008163 -> minmax [1, .608926, 0];
    // raw = c/3 + (d - .5)/3 + (b - 1)/3 = [-.166667, .036309, .166667] -> UD [0, .608926, 1].
    const result = scoreUglyDucklings([
      { id: 'a', diameter: 10, centreBlobShare: 0, embedding: [1, 0] },
      { id: 'b', diameter: 20, centreBlobShare: 0.1, embedding: [0, 1] },
      { id: 'c', diameter: 30, centreBlobShare: 0.2, embedding: [1, 1] },
    ]);
    expect(result.ranked).toBe(true);
    if (!result.ranked) return;
    expect(result.scores[0]).toBeCloseTo(0, 5);
    expect(result.scores[1]).toBeCloseTo(0.608926, 5);
    expect(result.scores[2]).toBeCloseTo(1, 5);
    expect(result.ranks).toEqual([3, 2, 1]);
  });

  it('ranks the one lesion unlike the others first', () => {
    const similar = Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, diameter: 20 + (i % 3), centreBlobShare: 0.2, embedding: [1, 0.1 * (i % 2), 0.5, 0] }));
    const odd = { id: 'odd', diameter: 45, centreBlobShare: 0.45, embedding: [0, 1, 0, 2] };
    const result = scoreUglyDucklings([...similar.slice(0, 4), odd, ...similar.slice(4)]);
    expect(result.ranked).toBe(true);
    if (!result.ranked) return;
    expect(result.ranks[4]).toBe(1);
    expect(result.scores[4]).toBe(1);
    expect(Math.min(...result.scores)).toBe(0);
  });

  it('gives no ranking, with a reason, for fewer than 3 lesions', () => {
    const result = scoreUglyDucklings([{ id: 'a', diameter: 1, centreBlobShare: 0, embedding: [1] }]);
    expect(result).toEqual({ ranked: false, reason: expect.stringContaining('at least 3') });
  });

  it('handles identical lesions without dividing by zero', () => {
    const same = Array.from({ length: 4 }, (_, i) => ({ id: `s${i}`, diameter: 10, centreBlobShare: 0.1, embedding: [0.3, 0.3] }));
    const result = scoreUglyDucklings(same);
    expect(result.ranked).toBe(true);
    if (!result.ranked) return;
    expect(result.scores).toEqual([0, 0, 0, 0]);
    expect(result.ranks).toEqual([1, 2, 3, 4]);
  });

  it('refuses mismatched embeddings, duplicate ids and non-finite values', () => {
    const base = { diameter: 10, centreBlobShare: 0 };
    expect(() => scoreUglyDucklings([{ id: 'a', ...base, embedding: [1, 2] }, { id: 'b', ...base, embedding: [1] }, { id: 'c', ...base, embedding: [1, 2] }])).toThrow(/one length/);
    expect(() => scoreUglyDucklings([{ id: 'a', ...base, embedding: [1] }, { id: 'a', ...base, embedding: [1] }, { id: 'c', ...base, embedding: [1] }])).toThrow(/unique/);
    expect(() => scoreUglyDucklings([{ id: 'a', ...base, embedding: [Number.NaN] }, { id: 'b', ...base, embedding: [1] }, { id: 'c', ...base, embedding: [1] }])).toThrow(/non-finite/);
  });
});
