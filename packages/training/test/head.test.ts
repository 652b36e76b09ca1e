import { describe, expect, it } from 'vitest';
import type { FeatureSet } from '../src/features.js';
import { DEFAULT_HEAD, headProbabilities, headProgressUnits, trainHead } from '../src/head.js';
import { minimiseLbfgs } from '../src/lbfgs.js';
import { createRng } from '../src/rng.js';
import { fitSoftmaxRegression } from '../src/softmax-regression.js';

/** Three unit Gaussian blobs in `d` dimensions, class c shifted by 3 along axis c. */
function blobs(count: number, d: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = createRng(seed);
  const x = new Float32Array(count * d);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let j = 0; j < d; j++) {
      const gauss = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      x[i * d + j] = gauss + (j === label ? 3 : 0);
    }
  }
  return { x, labels };
}

describe('minimiseLbfgs', () => {
  it('finds the minimum of an ill-conditioned convex quadratic', () => {
    // f(x) = sum_i a_i (x_i - c_i)^2 + (x_0 - x_1)^2, condition number about 1e3.
    const a = [1000, 1, 10, 0.5];
    const c = [1, -2, 3, 0.25];
    const result = minimiseLbfgs(
      (x, g) => {
        let f = 0;
        for (let i = 0; i < 4; i++) {
          const r = (x[i] as number) - (c[i] as number);
          f += (a[i] as number) * r * r;
          g[i] = 2 * (a[i] as number) * r;
        }
        const coupling = (x[0] as number) - (x[1] as number);
        f += coupling * coupling;
        g[0] = (g[0] as number) + 2 * coupling;
        g[1] = (g[1] as number) - 2 * coupling;
        return f;
      },
      new Float64Array(4),
      { maxIterations: 200, relativeTolerance: 1e-14 },
    );
    // Stationary point: 2002 x0 - 2 x1 = 2000 and -2 x0 + 4 x1 = -4.
    const x1 = -2004 / 4002;
    const x0 = 2 * x1 + 2;
    expect(result.x[0]).toBeCloseTo(x0, 6);
    expect(result.x[1]).toBeCloseTo(x1, 5);
    expect(result.x[2]).toBeCloseTo(3, 6);
    expect(result.x[3]).toBeCloseTo(0.25, 5);
    expect(result.iterations).toBeLessThan(60);
  });
});

describe('fitSoftmaxRegression', () => {
  const d = 5;
  const { x, labels } = blobs(300, d, 7);
  const rowWeights = Float32Array.from(labels, (l) => (l === 2 ? 3 : 1));
  const fit = (l2: number) =>
    fitSoftmaxRegression({ x, count: 300, inputs: d, labels, rowWeights, classes: 3 }, { l2, maxIterations: 300, relativeTolerance: 1e-12 });

  it('reaches the optimum: the gradient of the weighted loss plus weight decay vanishes', () => {
    const l2 = 0.05;
    const w = fit(l2);
    const total = rowWeights.reduce((s, v) => s + v, 0);
    const gradKernel = new Float64Array(d * 3);
    const gradBias = new Float64Array(3);
    for (let i = 0; i < 300; i++) {
      const logits = [0, 1, 2].map((c) => {
        let z = w.bias[c] as number;
        for (let j = 0; j < d; j++) z += (x[i * d + j] as number) * (w.kernel[j * 3 + c] as number);
        return z;
      });
      const max = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - max));
      const sum = e.reduce((s, v) => s + v, 0);
      for (let c = 0; c < 3; c++) {
        const g = ((rowWeights[i] as number) / total) * ((e[c] as number) / sum - (labels[i] === c ? 1 : 0));
        gradBias[c] = (gradBias[c] as number) + g;
        for (let j = 0; j < d; j++) gradKernel[j * 3 + c] = (gradKernel[j * 3 + c] as number) + g * (x[i * d + j] as number);
      }
    }
    for (let q = 0; q < d * 3; q++) expect(Math.abs((gradKernel[q] as number) + 2 * l2 * (w.kernel[q] as number))).toBeLessThan(1e-5);
    for (const g of gradBias) expect(Math.abs(g)).toBeLessThan(1e-5);
  });

  it('shrinks the kernel as the weight decay grows', () => {
    const norm = (k: Float32Array) => Math.sqrt(k.reduce((s, v) => s + v * v, 0));
    expect(norm(fit(1).kernel)).toBeLessThan(0.5 * norm(fit(0.01).kernel));
  });
});

describe('trainHead, lbfgs solver', () => {
  const d = 4;
  const count = 240;
  const { x, labels } = blobs(count, d, 11);
  // Shift and scale the raw features: the head standardises them itself.
  const raw = Float32Array.from(x, (v, i) => v * (1 + (i % d)) + 10);
  const set: FeatureSet = { size: d, count, features: raw, labels, kinds: Array(count).fill('skin'), groups: Array(count).fill('g') };
  const options = { ...DEFAULT_HEAD, l2: 0.01 };

  it('classifies separable blobs and ignores the seed and the row order', async () => {
    const head = await trainHead(set, 3, options);
    const p = headProbabilities(head, raw, count);
    let correct = 0;
    for (let i = 0; i < count; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
    }
    expect(correct / count).toBeGreaterThan(0.9);

    const reseeded = await trainHead(set, 3, { ...options, seed: 99 });
    expect(reseeded.layers[0]?.kernel).toEqual(head.layers[0]?.kernel);

    const order = Array.from({ length: count }, (_, i) => (i * 7) % count);
    const shuffled: FeatureSet = {
      ...set,
      features: Float32Array.from({ length: count * d }, (_, k) => raw[(order[Math.floor(k / d)] as number) * d + (k % d)] as number),
      labels: Int32Array.from(order, (i) => labels[i] as number),
    };
    const permuted = await trainHead(shuffled, 3, options);
    const a = head.layers[0]?.kernel as Float32Array;
    const b = permuted.layers[0]?.kernel as Float32Array;
    for (let q = 0; q < a.length; q++) expect(b[q]).toBeCloseTo(a[q] as number, 3);
  });

  it('reports progress in L-BFGS iterations and refuses a hidden layer', async () => {
    const seen: number[] = [];
    await trainHead(set, 3, options, (done) => seen.push(done));
    expect(seen.length).toBeGreaterThan(1);
    expect(Math.max(...seen)).toBeLessThanOrEqual(headProgressUnits(options));
    await expect(trainHead(set, 3, { ...options, hiddenUnits: 8 })).rejects.toThrow(/linear head/);
  });
});
