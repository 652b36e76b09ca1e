import { performance } from 'node:perf_hooks';
import type { Logger } from '@skinlesion/logger';
import { ModelInputWriter } from '../domain/preprocess.js';
import { Classifier } from '../runtime/classifier.js';
import type { BackendChoice } from '../runtime/backend-choices.js';
import { loadRunner } from '../runtime/load.js';
import type { ModelRunner, RuntimeChoice } from '../runtime/runner.js';
import { benchCrops, round } from './stats.js';

export interface RawResult {
  readonly runtime: string;
  readonly backend: string;
  readonly batch: number;
  readonly crops: number;
  readonly seconds: number;
  readonly cropsPerSecond: number;
  /** Mean time of one batch, preprocessing included, in ms. */
  readonly batchMs: number;
}

/**
 * The limit: crops per second of preprocessing + one model call per batch, back to back, on one
 * thread, without gRPC or the batcher. At least three calls and at least `seconds`.
 */
export async function measureRaw(runner: ModelRunner, batch: number, seconds: number): Promise<RawResult> {
  const size = runner.manifest.inputSize;
  const crops = { datatype: 'UINT8' as const, count: batch, size, data: benchCrops(batch, size) };
  const writer = new ModelInputWriter(runner.manifest);
  const input = new Float32Array(batch * size * size * 3);
  const once = async () => {
    writer.write(crops, 0, batch, input, 0);
    await runner.run(input, batch);
  };
  // Warm the shapes of this batch size first (allocation plans, kernel selection).
  await once();
  let calls = 0;
  const started = performance.now();
  while (calls < 3 || performance.now() - started < seconds * 1000) {
    await once();
    calls += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    runtime: runner.runtime,
    backend: runner.backend,
    batch,
    crops: calls * batch,
    seconds: round(elapsed, 2),
    cropsPerSecond: round((calls * batch) / elapsed),
    batchMs: round((elapsed * 1000) / calls, 2),
  };
}

export interface BatcherResult {
  readonly runtime: string;
  readonly concurrency: number;
  readonly maxBatch: number;
  readonly maxQueueDelayMs: number;
  readonly crops: number;
  readonly seconds: number;
  readonly cropsPerSecond: number;
  readonly meanBatch: number;
}

/**
 * The batcher without gRPC: `concurrency` callers in this process, each classifying one crop at a
 * time through the Classifier (preprocessing, dynamic batching, model), for `seconds`. Consumes
 * the runner: the classifier releases it when done.
 */
export async function measureBatcher(runner: ModelRunner, options: { concurrency: number; maxBatch: number; maxQueueDelayMs: number; seconds: number }): Promise<BatcherResult> {
  let batches = 0;
  let batched = 0;
  const classifier = new Classifier(runner, {
    maxBatch: options.maxBatch,
    maxQueueDelayMs: options.maxQueueDelayMs,
    observer: { batch: (size) => ((batches += 1), (batched += size)) },
  });
  const size = runner.manifest.inputSize;
  let classified = 0;
  const started = performance.now();
  const ends = started + options.seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, caller) => {
        const crop = { datatype: 'UINT8' as const, count: 1, size, data: benchCrops(1, size, caller + 1) };
        while (performance.now() < ends) {
          await classifier.classify(crop);
          classified += 1;
        }
      }),
    );
  } finally {
    await classifier.dispose();
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    runtime: runner.runtime,
    concurrency: options.concurrency,
    maxBatch: options.maxBatch,
    maxQueueDelayMs: options.maxQueueDelayMs,
    crops: classified,
    seconds: round(elapsed, 2),
    cropsPerSecond: round(classified / elapsed),
    meanBatch: round(batched / batches, 2),
  };
}

export async function withRunner<T>(modelDir: string, runtime: RuntimeChoice, backend: BackendChoice, log: Logger, use: (runner: ModelRunner) => Promise<T>): Promise<T> {
  const runner = await loadRunner({ modelDir, runtime, backend }, log);
  try {
    return await use(runner);
  } finally {
    await runner.dispose();
  }
}
