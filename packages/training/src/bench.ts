import * as tf from '@tensorflow/tfjs';

export interface ThroughputResult {
  readonly batchSize: number;
  /** Median wall time of one predict call, ms. */
  readonly msPerBatch: number;
  readonly cropsPerSecond: number;
}

/**
 * Times `model.predict` on random crops: one warm-up call (kernel set-up, memory growth), then
 * `repeats` timed calls; the median resists another process stealing the core for a moment.
 */
export async function measureThroughput(model: tf.LayersModel, inputSize: number, batchSize: number, repeats: number): Promise<ThroughputResult> {
  const input = tf.randomUniform([batchSize, inputSize, inputSize, 3], 0, 1, 'float32', 1);
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    const out = model.predict(input);
    const outputs = Array.isArray(out) ? out : [out];
    await Promise.all(outputs.map((t) => t.data()));
    const elapsed = performance.now() - t0;
    tf.dispose(outputs);
    return elapsed;
  };
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await run());
  input.dispose();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  return { batchSize, msPerBatch: median, cropsPerSecond: (batchSize * 1000) / median };
}
