import type { FeatureSet } from './features.js';
import { createRng, hashSeed, shuffleInPlace } from './rng.js';
import { fitSoftmaxRegression } from './softmax-regression.js';

export interface HeadOptions {
  /**
   * `lbfgs`: a linear head fitted to convergence by full-batch L-BFGS, deterministic and seed-free
   * (epochs, batch size, learning rate, dropout, ensemble and seed play no part). `adam`:
   * minibatch Adam with dropout, needed for a hidden layer.
   */
  readonly solver: 'lbfgs' | 'adam';
  /** L-BFGS: most iterations, and the relative loss decrease under which it stops. */
  readonly maxIterations: number;
  readonly relativeTolerance: number;
  /** Units of the hidden ReLU layer; 0 gives softmax regression on the features. */
  readonly hiddenUnits: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Weight decay on the kernels (sum of squares, times this). */
  readonly l2: number;
  /** Dropout rate on the standardised features during training. */
  readonly inputDropout: number;
  /** Dropout rate on the hidden layer during training. */
  readonly hiddenDropout: number;
  /**
   * Linear heads trained from this many seeds and averaged: averaging the weights of softmax
   * regressions averages their logits, an ensemble at no inference cost that damps the
   * seed-to-seed spread (about +-0.02 balanced accuracy here). Needs hiddenUnits 0 when > 1.
   */
  readonly ensemble: number;
  readonly seed: number;
}

/**
 * Chosen by 4-fold cross-validation by image over the training photos (docs/model-card.md): with
 * 61 melanoma photos the 1856-d linear head overfits, and strong weight decay fitted to
 * convergence ranks melanomas best (SPL-vs-rest AUROC, same crops: 0.729 with version 2's Adam
 * head at l2 1e-4, 0.772 at l2 0.1; 0.774 at 0.3, which costs 5 points of background recall). A
 * tolerance of 1e-5 instead of 1e-6 halves the iterations and moved no figure by more than 0.005.
 */
export const DEFAULT_HEAD: HeadOptions = {
  solver: 'lbfgs',
  maxIterations: 300,
  relativeTolerance: 1e-5,
  hiddenUnits: 0,
  epochs: 20,
  batchSize: 256,
  learningRate: 3e-3,
  l2: 0.1,
  inputDropout: 0.2,
  hiddenDropout: 0.3,
  ensemble: 3,
  seed: 1,
};

/** A dense layer, kernel row-major [inputs, units]. */
export interface DenseWeights {
  readonly inputs: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * The trained classifier on trunk features: standardise (x - mean) / std, then dense layers,
 * ReLU between them and softmax after the last.
 */
export interface TrainedHead {
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly layers: readonly DenseWeights[];
  readonly classes: number;
}

/** Inverse-frequency class weights n / (K n_c), so every class carries the same total weight. */
export function classWeights(labels: Int32Array, classes: number): Float32Array {
  const counts = new Float32Array(classes);
  for (const l of labels) counts[l] = (counts[l] as number) + 1;
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c === 0 ? 0 : labels.length / (present * c)));
}

export function standardisation(set: FeatureSet): { mean: Float32Array; std: Float32Array } {
  const { size, count, features } = set;
  const mean = new Float32Array(size);
  const variance = new Float32Array(size);
  for (let i = 0; i < count; i++) for (let j = 0; j < size; j++) mean[j] = (mean[j] as number) + (features[i * size + j] as number);
  for (let j = 0; j < size; j++) mean[j] = (mean[j] as number) / count;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < size; j++) {
      const d = (features[i * size + j] as number) - (mean[j] as number);
      variance[j] = (variance[j] as number) + d * d;
    }
  }
  // The floor keeps features that never fire (ReLU zeros on this data) from blowing up.
  const std = variance.map((v) => Math.max(Math.sqrt(v / count), 1e-3));
  return { mean, std };
}

/** Progress units of one trainHead call: L-BFGS iterations (at most) or epochs of every member. */
export function headProgressUnits(options: HeadOptions): number {
  return options.solver === 'lbfgs' ? options.maxIterations : options.epochs * Math.max(1, options.ensemble);
}

/**
 * Trains a head on `set`: by L-BFGS (see HeadOptions.solver), or `options.ensemble` Adam heads
 * from derived seeds, averaged (see HeadOptions.ensemble). `onProgress` counts headProgressUnits.
 */
export async function trainHead(
  set: FeatureSet,
  classes: number,
  options: HeadOptions = DEFAULT_HEAD,
  onProgress?: (done: number, loss: number) => void,
): Promise<TrainedHead> {
  if (options.solver === 'lbfgs') return trainLinearHead(set, classes, options, onProgress);
  const members = Math.max(1, options.ensemble);
  if (members > 1 && options.hiddenUnits > 0) throw new Error('a head ensemble needs a linear head (hiddenUnits 0)');
  const heads: TrainedHead[] = [];
  for (let m = 0; m < members; m++) {
    const seed = m === 0 ? options.seed : hashSeed(options.seed, m);
    heads.push(await trainSingleHead(set, classes, { ...options, seed }, (epoch, loss) => onProgress?.(m * options.epochs + epoch, loss)));
  }
  const first = heads[0] as TrainedHead;
  if (members === 1) return first;
  const layer = first.layers[0] as DenseWeights;
  const kernel = new Float32Array(layer.kernel.length);
  const bias = new Float32Array(layer.bias.length);
  for (const h of heads) {
    const l = h.layers[0] as DenseWeights;
    for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) + (l.kernel[i] as number) / members;
    for (let i = 0; i < bias.length; i++) bias[i] = (bias[i] as number) + (l.bias[i] as number) / members;
  }
  return { ...first, layers: [{ inputs: layer.inputs, units: layer.units, kernel, bias }] };
}

async function trainLinearHead(
  set: FeatureSet,
  classes: number,
  options: HeadOptions,
  onIteration?: (iteration: number, loss: number) => void,
): Promise<TrainedHead> {
  if (options.hiddenUnits > 0) throw new Error('the lbfgs solver fits a linear head (hiddenUnits 0)');
  const { mean, std } = standardisation(set);
  const weightOf = classWeights(set.labels, classes);
  const layer = fitSoftmaxRegression(
    {
      x: standardised(set, mean, std),
      count: set.count,
      inputs: set.size,
      labels: set.labels,
      rowWeights: Float32Array.from(set.labels, (l) => weightOf[l] as number),
      classes,
    },
    {
      l2: options.l2,
      maxIterations: options.maxIterations,
      relativeTolerance: options.relativeTolerance,
      ...(onIteration === undefined ? {} : { onIteration }),
    },
  );
  return { mean, std, classes, layers: [layer] };
}

function standardised(set: FeatureSet, mean: Float32Array, std: Float32Array): Float32Array {
  const d = set.size;
  const x = new Float32Array(set.count * d);
  for (let i = 0; i < set.count; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = ((set.features[i * d + j] as number) - (mean[j] as number)) / (std[j] as number);
  }
  return x;
}

/**
 * Trains one head on cached features with Adam and a class-weighted cross-entropy, in plain JS
 * (the head is a few thousand multiply-adds per crop: TF.js op dispatch would cost more than the
 * arithmetic). Initial weights, batch order and dropout masks all derive from `options.seed`, so
 * a run is bit-for-bit repeatable on any backend.
 */
async function trainSingleHead(
  set: FeatureSet,
  classes: number,
  options: HeadOptions,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<TrainedHead> {
  const { mean, std } = standardisation(set);
  const d = set.size;
  const x = standardised(set, mean, std);
  const rng = createRng(options.seed);
  const weightOf = classWeights(set.labels, classes);
  const sizes = options.hiddenUnits > 0 ? [d, options.hiddenUnits, classes] : [d, classes];
  const layers = sizes.slice(1).map((units, i) => {
    const inputs = sizes[i] as number;
    const limit = Math.sqrt(6 / (inputs + units)); // Glorot-uniform
    return new AdamDense(inputs, units, () => rng.uniform(-limit, limit));
  });
  const order = Array.from({ length: set.count }, (_, i) => i);
  const hidden = options.hiddenUnits;
  const xIn = new Float32Array(d);
  const h = new Float32Array(hidden);
  const logits = new Float32Array(classes);
  const dLogits = new Float32Array(classes);
  const dHidden = new Float32Array(hidden);
  const inKeep = 1 - options.inputDropout;
  const hidKeep = 1 - options.hiddenDropout;
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, rng);
    let epochLoss = 0;
    let epochWeight = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      let batchWeight = 0;
      for (const i of batch) batchWeight += weightOf[set.labels[i] as number] as number;
      for (const layer of layers) layer.zeroGrad();
      for (const i of batch) {
        const label = set.labels[i] as number;
        const w = (weightOf[label] as number) / batchWeight;
        // Inverted dropout: kept inputs are scaled up so inference needs no rescaling.
        for (let j = 0; j < d; j++) xIn[j] = inKeep < 1 && rng.next() >= inKeep ? 0 : (x[i * d + j] as number) / inKeep;
        let top: Float32Array = xIn;
        const first = layers[0] as AdamDense;
        if (hidden > 0) {
          first.forward(xIn, h);
          for (let u = 0; u < hidden; u++) h[u] = (h[u] as number) > 0 && (hidKeep >= 1 || rng.next() < hidKeep) ? (h[u] as number) / hidKeep : 0;
          top = h;
        }
        const out = layers[layers.length - 1] as AdamDense;
        out.forward(top, logits);
        const lossOfSample = softmaxInPlace(logits, label);
        epochLoss += lossOfSample * (weightOf[label] as number);
        epochWeight += weightOf[label] as number;
        for (let c = 0; c < classes; c++) dLogits[c] = w * ((logits[c] as number) - (c === label ? 1 : 0));
        out.accumulate(top, dLogits, hidden > 0 ? dHidden : undefined);
        if (hidden > 0) {
          // ReLU and dropout gradient: zero wherever the forward pass zeroed the unit.
          for (let u = 0; u < hidden; u++) dHidden[u] = (h[u] as number) > 0 ? (dHidden[u] as number) / hidKeep : 0;
          first.accumulate(xIn, dHidden, undefined);
        }
      }
      step++;
      for (const layer of layers) layer.adamStep(options.learningRate, options.l2, step);
    }
    onEpoch?.(epoch + 1, epochLoss / Math.max(epochWeight, 1e-12));
    // Let the event loop breathe between epochs (progress output, signals).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return {
    mean,
    std,
    classes,
    layers: layers.map((l) => ({ inputs: l.inputs, units: l.units, kernel: l.kernel, bias: l.bias })),
  };
}

/** Softmax of `z` in place; returns the cross-entropy of `label`. */
function softmaxInPlace(z: Float32Array, label: number): number {
  let max = -Infinity;
  for (const v of z) if (v > max) max = v;
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    const e = Math.exp((z[c] as number) - max);
    z[c] = e;
    sum += e;
  }
  for (let c = 0; c < z.length; c++) z[c] = (z[c] as number) / sum;
  return -Math.log(Math.max(z[label] as number, 1e-12));
}

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** A dense layer with gradient buffers and Adam moments. */
class AdamDense {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  private readonly gradKernel: Float32Array;
  private readonly gradBias: Float32Array;
  private readonly moments: Float32Array[];

  constructor(
    readonly inputs: number,
    readonly units: number,
    init: () => number,
  ) {
    this.kernel = Float32Array.from({ length: inputs * units }, init);
    this.bias = new Float32Array(units);
    this.gradKernel = new Float32Array(inputs * units);
    this.gradBias = new Float32Array(units);
    this.moments = [0, 1, 2, 3].map((k) => new Float32Array(k < 2 ? inputs * units : units));
  }

  zeroGrad(): void {
    this.gradKernel.fill(0);
    this.gradBias.fill(0);
  }

  forward(input: Float32Array, out: Float32Array): void {
    out.set(this.bias);
    const units = this.units;
    for (let i = 0; i < this.inputs; i++) {
      const v = input[i] as number;
      if (v === 0) continue;
      const row = i * units;
      for (let u = 0; u < units; u++) out[u] = (out[u] as number) + v * (this.kernel[row + u] as number);
    }
  }

  /** Adds this sample's gradient; writes d(loss)/d(input) into `gradInput` when given. */
  accumulate(input: Float32Array, gradOut: Float32Array, gradInput: Float32Array | undefined): void {
    const units = this.units;
    for (let u = 0; u < units; u++) this.gradBias[u] = (this.gradBias[u] as number) + (gradOut[u] as number);
    for (let i = 0; i < this.inputs; i++) {
      const v = input[i] as number;
      const row = i * units;
      let back = 0;
      for (let u = 0; u < units; u++) {
        const g = gradOut[u] as number;
        if (v !== 0) this.gradKernel[row + u] = (this.gradKernel[row + u] as number) + v * g;
        if (gradInput !== undefined) back += g * (this.kernel[row + u] as number);
      }
      if (gradInput !== undefined) gradInput[i] = back;
    }
  }

  adamStep(learningRate: number, l2: number, step: number): void {
    const [mK, vK, mB, vB] = this.moments as [Float32Array, Float32Array, Float32Array, Float32Array];
    const c1 = 1 - ADAM.beta1 ** step;
    const c2 = 1 - ADAM.beta2 ** step;
    const update = (param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, decay: number): void => {
      for (let k = 0; k < param.length; k++) {
        const g = (grad[k] as number) + 2 * decay * (param[k] as number);
        const mk = ADAM.beta1 * (m[k] as number) + (1 - ADAM.beta1) * g;
        const vk = ADAM.beta2 * (v[k] as number) + (1 - ADAM.beta2) * g * g;
        m[k] = mk;
        v[k] = vk;
        param[k] = (param[k] as number) - (learningRate * (mk / c1)) / (Math.sqrt(vk / c2) + ADAM.epsilon);
      }
    };
    update(this.kernel, this.gradKernel, mK, vK, l2);
    update(this.bias, this.gradBias, mB, vB, 0);
  }
}

/** Forward pass of the head in plain JS: probabilities, row-major [count, classes]. */
export function headProbabilities(head: TrainedHead, features: Float32Array, count: number): Float32Array {
  const size = head.mean.length;
  const out = new Float32Array(count * head.classes);
  for (let n = 0; n < count; n++) {
    let h = new Float32Array(size);
    for (let j = 0; j < size; j++) h[j] = ((features[n * size + j] as number) - (head.mean[j] as number)) / (head.std[j] as number);
    head.layers.forEach((layer, li) => {
      const next = Float32Array.from(layer.bias);
      for (let i = 0; i < layer.inputs; i++) {
        const v = h[i] as number;
        if (v === 0) continue;
        const row = i * layer.units;
        for (let u = 0; u < layer.units; u++) next[u] = (next[u] as number) + v * (layer.kernel[row + u] as number);
      }
      if (li < head.layers.length - 1) for (let u = 0; u < next.length; u++) next[u] = Math.max(0, next[u] as number);
      h = next;
    });
    let max = -Infinity;
    for (const v of h) max = Math.max(max, v);
    let sum = 0;
    for (let c = 0; c < h.length; c++) {
      h[c] = Math.exp((h[c] as number) - max);
      sum += h[c] as number;
    }
    for (let c = 0; c < h.length; c++) out[n * head.classes + c] = (h[c] as number) / sum;
  }
  return out;
}

/**
 * The first dense layer with the standardisation folded in, so the shipped model takes raw trunk
 * features: W' = W / std (per input row), b' = b - (mean / std) W.
 */
export function foldStandardisation(head: TrainedHead): DenseWeights[] {
  const [first, ...rest] = head.layers;
  if (first === undefined) throw new Error('head has no layers');
  const kernel = new Float32Array(first.kernel.length);
  const bias = Float32Array.from(first.bias);
  for (let i = 0; i < first.inputs; i++) {
    const s = head.std[i] as number;
    const m = head.mean[i] as number;
    for (let u = 0; u < first.units; u++) {
      const w = (first.kernel[i * first.units + u] as number) / s;
      kernel[i * first.units + u] = w;
      bias[u] = (bias[u] as number) - m * w;
    }
  }
  return [{ inputs: first.inputs, units: first.units, kernel, bias }, ...rest];
}
