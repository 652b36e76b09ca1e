import type { DenseWeights } from './head.js';
import { minimiseLbfgs } from './lbfgs.js';

export interface SoftmaxRegressionData {
  /** Standardised features, row-major [count, inputs]. */
  readonly x: Float32Array;
  readonly count: number;
  readonly inputs: number;
  readonly labels: Int32Array;
  /** Weight of each row in the loss; they need not sum to 1. */
  readonly rowWeights: Float32Array;
  readonly classes: number;
}

export interface SoftmaxRegressionOptions {
  /** Weight decay on the kernel: l2 * sum of squares, added to the weighted mean cross-entropy. */
  readonly l2: number;
  readonly maxIterations: number;
  readonly relativeTolerance: number;
  readonly onIteration?: (iteration: number, loss: number) => void;
}

/**
 * Multinomial logistic regression fitted to convergence: minimises the weighted mean
 * cross-entropy plus l2 * |W|^2 (bias not decayed) with full-batch L-BFGS from zero weights. The
 * loss is strictly convex for l2 > 0, so the result is the unique minimiser, whatever the row
 * order: no seed, and no ensemble needed to damp seed-to-seed spread.
 */
export function fitSoftmaxRegression(data: SoftmaxRegressionData, options: SoftmaxRegressionOptions): DenseWeights {
  const { x, count, inputs: d, labels, classes: k } = data;
  if (x.length !== count * d || labels.length !== count || data.rowWeights.length !== count) {
    throw new Error('fitSoftmaxRegression: features, labels and weights disagree in length');
  }
  let totalWeight = 0;
  for (const w of data.rowWeights) totalWeight += w;
  if (!(totalWeight > 0)) throw new Error('fitSoftmaxRegression: the rows carry no weight');
  const weights = Float64Array.from(data.rowWeights, (w) => w / totalWeight);
  const kernelSize = d * k;
  const p = new Float64Array(k);

  const objective = (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < count; i++) {
      const row = i * d;
      for (let c = 0; c < k; c++) p[c] = theta[kernelSize + c] as number;
      for (let j = 0; j < d; j++) {
        const v = x[row + j] as number;
        if (v === 0) continue;
        const w = j * k;
        for (let c = 0; c < k; c++) p[c] = (p[c] as number) + v * (theta[w + c] as number);
      }
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, p[c] as number);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp((p[c] as number) - max);
        p[c] = e;
        sum += e;
      }
      const label = labels[i] as number;
      const wi = weights[i] as number;
      loss -= wi * Math.log(Math.max((p[label] as number) / sum, 1e-300));
      // d(loss)/d(logit c) = w_i (softmax_c - [c = label]), kept in p.
      for (let c = 0; c < k; c++) p[c] = wi * ((p[c] as number) / sum - (c === label ? 1 : 0));
      for (let c = 0; c < k; c++) gradient[kernelSize + c] = (gradient[kernelSize + c] as number) + (p[c] as number);
      for (let j = 0; j < d; j++) {
        const v = x[row + j] as number;
        if (v === 0) continue;
        const w = j * k;
        for (let c = 0; c < k; c++) gradient[w + c] = (gradient[w + c] as number) + v * (p[c] as number);
      }
    }
    for (let q = 0; q < kernelSize; q++) {
      const t = theta[q] as number;
      loss += options.l2 * t * t;
      gradient[q] = (gradient[q] as number) + 2 * options.l2 * t;
    }
    return loss;
  };

  const result = minimiseLbfgs(objective, new Float64Array(kernelSize + k), {
    maxIterations: options.maxIterations,
    relativeTolerance: options.relativeTolerance,
    ...(options.onIteration === undefined ? {} : { onIteration: options.onIteration }),
  });
  return {
    inputs: d,
    units: k,
    kernel: Float32Array.from(result.x.subarray(0, kernelSize)),
    bias: Float32Array.from(result.x.subarray(kernelSize)),
  };
}
