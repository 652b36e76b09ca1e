import { describe, expect, it } from 'vitest';
import { auroc, balancedAccuracy, confusionMatrix } from '../src/metrics.js';
import { fromFloat16Bits, roundTrip, toFloat16Bits } from '../src/save.js';

describe('metrics', () => {
  it('AUROC is 1 for a perfect ranking, 0.5 for ties, and counts ties half', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(auroc([0.5, 0.5, 0.5, 0.5], [false, true, false, true])).toBe(0.5);
    // Positives 0.4 and 0.8 against negatives 0.4 and 0.1: (0.5 + 1 + 1 + 1) / 4.
    expect(auroc([0.4, 0.8, 0.4, 0.1], [true, true, false, false])).toBeCloseTo(0.875, 10);
    expect(auroc([0.3, 0.6], [true, true])).toBeNaN();
  });

  it('balanced accuracy averages recall over the classes present', () => {
    const m = confusionMatrix([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 0, 2, 2], 4);
    expect(m[0]).toEqual([3, 1, 0, 0]);
    expect(balancedAccuracy(m)).toBeCloseTo((0.75 + 0.5 + 1) / 3, 10);
  });
});

describe('weight encodings', () => {
  it('float16 round-trips representable values exactly and rounds the rest to nearest', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, -0.333251953125]) expect(fromFloat16Bits(toFloat16Bits(v))).toBe(v);
    expect(fromFloat16Bits(toFloat16Bits(1 + 2 ** -12))).toBe(1);
    expect(fromFloat16Bits(toFloat16Bits(1e6))).toBe(Infinity);
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const back = roundTrip(values, 'float16');
    values.forEach((v, i) => expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-7));
  });

  it('uint8 keeps every value within half a quantisation step', () => {
    const values = Float32Array.from({ length: 500 }, (_, i) => Math.cos(i) * 0.2 - 0.05);
    const back = roundTrip(values, 'uint8');
    const step = (Math.max(...values) - Math.min(...values)) / 255;
    values.forEach((v, i) => expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(step / 2 + 1e-7));
  });
});
