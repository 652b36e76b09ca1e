import { performance } from 'node:perf_hooks';
import { UnavailableError } from '@skinlesion/errors';
import { CLASS_NAMES, type Manifest } from '@skinlesion/model-manifest';
import type { Clock } from '../batching/clock.js';
import { DynamicBatcher, type BatcherObserver, type BatchSlice } from '../batching/dynamic-batcher.js';
import type { CropBatch } from '../domain/input-tensor.js';
import { ModelInputWriter } from '../domain/preprocess.js';
import type { BatchOutputs, BatchResult, ModelRunner, RuntimeName } from './runner.js';

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
  /** Longest a waiting crop holds a batch open for more, in ms; 0 by default (never wait). */
  readonly maxQueueDelayMs?: number;
  /** Crops that may wait at once (RESOURCE_EXHAUSTED beyond); unbounded by default. */
  readonly maxQueue?: number;
  /**
   * Batches handed to the runner at once (1 by default): 2 prepares the next batch while one runs,
   * which only helps a runner on a thread of its own.
   */
  readonly pipelineDepth?: number;
  readonly observer?: BatcherObserver;
  readonly clock?: Clock;
}

/**
 * Classifies crops on one model runner: requests go through a dynamic batcher (batches across
 * concurrent requests), each batch is preprocessed into a reused float32 buffer as the manifest
 * says and run; results go back to each request in order. If the runner is lost (its thread
 * died), waiting and later requests fail at once with UNAVAILABLE.
 */
export class Classifier {
  private disposed = false;
  private readonly batcher: DynamicBatcher<CropBatch>;
  private readonly writer: ModelInputWriter;
  /** Input buffers free for the next batch: one per batch in flight at most, reused. */
  private readonly freeInputs: Float32Array[] = [];
  private readonly inputLength: number;

  constructor(
    private readonly runner: ModelRunner,
    private readonly options: ClassifierOptions,
  ) {
    const { manifest } = runner;
    this.writer = new ModelInputWriter(manifest);
    this.batcher = new DynamicBatcher((slices, size) => this.runBatch(slices, size), {
      maxBatch: options.maxBatch,
      maxDelayMs: options.maxQueueDelayMs ?? 0,
      maxQueue: options.maxQueue ?? Number.MAX_SAFE_INTEGER,
      maxInFlight: options.pipelineDepth ?? 1,
      outputWidths: [CLASS_NAMES.length, manifest.embeddingSize],
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.inputLength = options.maxBatch * manifest.inputSize * manifest.inputSize * 3;
    void runner.lost?.then((reason) => this.batcher.close(reason));
  }

  get manifest(): Manifest {
    return this.runner.manifest;
  }

  get platform(): string {
    return this.runner.platform;
  }

  get runtime(): RuntimeName {
    return this.runner.runtime;
  }

  get backend(): string {
    return this.runner.backend;
  }

  /** Crops waiting for a batch. */
  get queueDepth(): number {
    return this.batcher.queueDepth;
  }

  async classify(crops: CropBatch, signal?: AbortSignal): Promise<ClassifyResult> {
    const [probabilities, embedding] = await this.batcher.submit(crops, crops.count, signal);
    return { count: crops.count, probabilities, embedding };
  }

  /**
   * Runs one full batch of mid-grey crops, outside the batcher and its metrics, so that first
   * requests do not pay for kernel setup and memory growth, and checks the outputs against the
   * manifest: a model that disagrees with its manifest fails at start-up instead of answering
   * wrongly. Returns the seconds it took.
   */
  async warmUp(): Promise<number> {
    const size = this.manifest.inputSize;
    const count = this.options.maxBatch;
    const started = performance.now();
    const crops: CropBatch = { datatype: 'UINT8', count, size, data: new Uint8Array(count * size * size * 3).fill(128) };
    const [probabilities] = await this.runBatch([{ input: crops, start: 0, end: count }], count);
    const classes = CLASS_NAMES.length;
    for (let crop = 0; crop < count; crop += 1) {
      let sum = 0;
      for (let k = 0; k < classes; k += 1) sum += probabilities[crop * classes + k];
      if (!(Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE)) {
        throw new Error(
          `outputs.probabilities "${this.manifest.outputs.probabilities}" sums to ${sum} for a crop, not 1: name the softmax output`,
        );
      }
    }
    return (performance.now() - started) / 1000;
  }

  /** Stops serving: waiting crops are refused, the running batch completes, then the model is released. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.batcher.close(new UnavailableError('the classifier is shutting down'));
    await this.runner.dispose();
  }

  private async runBatch(slices: readonly BatchSlice<CropBatch>[], size: number): Promise<Float32Array[]> {
    if (this.disposed) throw new UnavailableError('the classifier is shutting down');
    const input = this.freeInputs.pop() ?? new Float32Array(this.inputLength);
    let at = 0;
    for (const { input: crops, start, end } of slices) {
      this.writer.write(crops, start, end, input, at);
      at += end - start;
    }
    let result: BatchResult;
    try {
      result = await this.runner.run(input, size);
    } catch (error) {
      // Memory moved to a thread that failed is gone with it (the array is empty): not reused.
      if (input.length === this.inputLength) this.freeInputs.push(input);
      throw error;
    }
    if (result.input.length === this.inputLength) this.freeInputs.push(result.input);
    this.checkLengths(result, size);
    return [result.probabilities, result.embedding];
  }

  private checkLengths(outputs: BatchOutputs, batch: number): void {
    const { outputs: names, embeddingSize } = this.manifest;
    const probabilityValues = outputs.probabilities.length;
    if (probabilityValues !== batch * CLASS_NAMES.length) {
      throw new Error(`outputs.probabilities "${names.probabilities}" gives ${probabilityValues / batch} values per crop, not ${CLASS_NAMES.length}`);
    }
    // The embedding is the named activation flattened per crop, whatever its rank.
    const embeddingValues = outputs.embedding.length;
    if (embeddingValues !== batch * embeddingSize) {
      throw new Error(`outputs.embedding "${names.embedding}" gives ${embeddingValues / batch} values per crop, but the manifest's embeddingSize is ${embeddingSize}`);
    }
  }
}
