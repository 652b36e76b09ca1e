import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { AppError, UnavailableError } from '@skinlesion/errors';
import { CLASS_NAMES, type Manifest } from '@skinlesion/model-manifest';
import { batchRanges } from '../domain/batching.js';
import type { CropBatch } from '../domain/input-tensor.js';
import { floatsToModelInput, pixelsToModelInput } from '../domain/preprocess.js';
import type { LoadedModel } from './model.js';

/** A probability vector may miss 1 by float32 rounding, not more: more means logits or ReLU. */
const PROBABILITY_SUM_TOLERANCE = 1e-3;

export interface ClassifyResult {
  readonly count: number;
  /** [count, 6], row-major. */
  readonly probabilities: Float32Array;
  /** [count, embeddingSize], row-major. */
  readonly embedding: Float32Array;
}

export interface ClassifierOptions {
  /** Largest batch given to the model at once. */
  readonly maxBatch: number;
  /** Called after each batch with its size and the seconds it took (preprocessing included). */
  readonly onBatch?: (size: number, seconds: number) => void;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs crops through a loaded model in batches of at most maxBatch. Each batch is synchronous on
 * the one JS thread (one replica, one inference thread); between batches it yields to the event
 * loop, so that health checks are answered and cancelled calls stop during a long request.
 */
export class Classifier {
  private disposed = false;

  constructor(
    private readonly model: LoadedModel,
    private readonly options: ClassifierOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }

  get manifest(): Manifest {
    return this.model.manifest;
  }

  get platform(): string {
    return this.model.platform;
  }

  async classify(crops: CropBatch, signal?: AbortSignal): Promise<ClassifyResult> {
    return this.run(crops, signal, true);
  }

  /**
   * Runs one full batch of mid-grey crops so that first requests do not pay for kernel setup and
   * memory growth, and checks the outputs against the manifest: a model that disagrees with its
   * manifest fails at start-up instead of answering wrongly. Returns the seconds it took.
   */
  async warmUp(): Promise<number> {
    const size = this.manifest.inputSize;
    const count = this.options.maxBatch;
    const started = performance.now();
    const result = await this.run({ datatype: 'UINT8', count, size, data: new Uint8Array(count * size * size * 3).fill(128) }, undefined, false);
    const classes = CLASS_NAMES.length;
    for (let crop = 0; crop < count; crop += 1) {
      let sum = 0;
      for (let k = 0; k < classes; k += 1) sum += result.probabilities[crop * classes + k];
      if (!(Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE)) {
        throw new Error(
          `outputs.probabilities "${this.manifest.outputs.probabilities}" sums to ${sum} for a crop, not 1: name the softmax output`,
        );
      }
    }
    return (performance.now() - started) / 1000;
  }

  /** Stops serving: later batches, including those of calls in progress, are refused. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }

  private async run(crops: CropBatch, signal: AbortSignal | undefined, observe: boolean): Promise<ClassifyResult> {
    const { count, size } = crops;
    const classes = CLASS_NAMES.length;
    const embeddingSize = this.manifest.embeddingSize;
    const perCrop = size * size * 3;
    const probabilities = new Float32Array(count * classes);
    const embedding = new Float32Array(count * embeddingSize);
    for (const { start, end } of batchRanges(count, this.options.maxBatch)) {
      if (signal?.aborted) throw new AppError('CANCELLED', 'the call was cancelled');
      if (this.disposed) throw new UnavailableError('the classifier is shutting down');
      const batch = end - start;
      const started = performance.now();
      const out = tf.tidy(() => {
        const x =
          crops.datatype === 'UINT8'
            ? pixelsToModelInput(crops.data.subarray(start * perCrop, end * perCrop), batch, size, this.manifest)
            : floatsToModelInput(crops.data.subarray(start * perCrop, end * perCrop), batch, size);
        const [p, e] = this.model.predict(x);
        return { p: p.dataSync() as Float32Array, e: e.dataSync() as Float32Array };
      });
      this.checkLengths(out.p.length, out.e.length, batch);
      probabilities.set(out.p, start * classes);
      embedding.set(out.e, start * embeddingSize);
      if (observe) this.options.onBatch?.(batch, (performance.now() - started) / 1000);
      await yieldToEventLoop();
    }
    return { count, probabilities, embedding };
  }

  private checkLengths(probabilityValues: number, embeddingValues: number, batch: number): void {
    const { outputs, embeddingSize } = this.manifest;
    if (probabilityValues !== batch * CLASS_NAMES.length) {
      throw new Error(`outputs.probabilities "${outputs.probabilities}" gives ${probabilityValues / batch} values per crop, not ${CLASS_NAMES.length}`);
    }
    // The embedding is the named activation flattened per crop, whatever its rank.
    if (embeddingValues !== batch * embeddingSize) {
      throw new Error(`outputs.embedding "${outputs.embedding}" gives ${embeddingValues / batch} values per crop, but the manifest's embeddingSize is ${embeddingSize}`);
    }
  }
}
