import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { callUnary, HealthChecker } from '@skinlesion/grpc-kit';
import { createLogger } from '@skinlesion/logger';
import { loadInferenceProto, type GRPCInferenceServiceClient, type ModelInferRequest } from '@skinlesion/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierConfig } from '../src/config.js';
import { Classifier } from '../src/runtime/classifier.js';
import { loadRunner } from '../src/runtime/load.js';
import { startClassifier, type RunningClassifier } from '../src/service.js';
import { seededBytes } from './fixtures/models.js';
import { copyDefaultModel, defaultOnnxShipped } from './fixtures/onnx-model.js';

const silent = createLogger('classifier-test', 'silent');

/** Turns of the event loop (setImmediate callbacks) while `promise` is pending. */
async function turnsWhile(promise: Promise<unknown>): Promise<number> {
  let pending = true;
  let turns = 0;
  const done = promise.finally(() => (pending = false));
  while (pending) {
    await new Promise((resolve) => setImmediate(resolve));
    turns += 1;
  }
  await done;
  return turns;
}

describe.skipIf(!defaultOnnxShipped)('ONNX Runtime in a worker thread (default model)', () => {
  let root: string;
  let modelDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-onnx-worker-'));
    modelDir = await copyDefaultModel(path.join(root, 'model'), { onnx: true });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives exactly the outputs of the same model on the calling thread, through the same batcher', async () => {
    const worker = new Classifier(await loadRunner({ modelDir, runtime: 'onnx', backend: 'wasm', thread: 'worker' }, silent), { maxBatch: 16, pipelineDepth: 2 });
    const caller = new Classifier(await loadRunner({ modelDir, runtime: 'onnx', backend: 'wasm', thread: 'caller' }, silent), { maxBatch: 16 });
    try {
      expect(worker).toMatchObject({ runtime: 'onnxruntime', backend: 'cpu', platform: 'onnxruntime_onnx' });
      const size = worker.manifest.inputSize;
      // 40 crops: batches of 16, 16 and 8, the first two in flight together.
      const crops = { datatype: 'UINT8' as const, count: 40, size, data: seededBytes(40 * size * size * 3, 5) };
      const [a, b] = await Promise.all([worker.classify(crops), caller.classify(crops)]);
      expect(a.probabilities).toEqual(b.probabilities);
      expect(a.embedding).toEqual(b.embedding);
    } finally {
      await worker.dispose();
      await caller.dispose();
    }
  });

  it('leaves the event loop free while a batch runs', async () => {
    const runner = await loadRunner({ modelDir, runtime: 'onnx', backend: 'wasm', thread: 'worker' }, silent);
    try {
      const size = runner.manifest.inputSize;
      const input = new Float32Array(64 * size * size * 3).fill(0.5);
      // 64 crops take about 200 ms of model time: hundreds of turns when the loop is free, and
      // at most a couple when session.run holds it.
      expect(await turnsWhile(runner.run(input, 64))).toBeGreaterThan(20);
    } finally {
      await runner.dispose();
    }
  });

  it('refuses a stale export as the calling-thread runtime does', async () => {
    const stale = await copyDefaultModel(path.join(root, 'stale'), { onnx: true });
    await appendFile(path.join(stale, 'model.json'), ' ');
    const error = await loadRunner({ modelDir: stale, runtime: 'onnx', backend: 'wasm', thread: 'worker' }, silent).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toBe('cannot load the ONNX export of model "skinlesion-default"');
    expect(error?.cause).toMatchObject({ name: 'StaleExportError' });
  });
});

describe.skipIf(!defaultOnnxShipped)('a replica on ONNX Runtime in a worker thread, over gRPC', () => {
  /** One batch of this many crops: long enough (a few hundred ms) to do things while it runs. */
  const BATCH = 96;
  let root: string;
  let modelDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-onnx-worker-grpc-'));
    modelDir = await copyDefaultModel(path.join(root, 'model'), { onnx: true });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function start(): Promise<{ classifier: RunningClassifier; client: GRPCInferenceServiceClient; request: ModelInferRequest }> {
    const classifier = await startClassifier(
      loadClassifierConfig({
        MODEL_DIR: modelDir,
        CLASSIFIER_HOST: '127.0.0.1',
        CLASSIFIER_PORT: '0',
        CLASSIFIER_METRICS_PORT: '0',
        CLASSIFIER_MAX_BATCH: String(BATCH),
        CLASSIFIER_INFERENCE_THREAD: 'worker',
        SHUTDOWN_GRACE_MS: '30000',
        LOG_LEVEL: 'silent',
      }),
      silent,
    );
    const size = classifier.model.inputSize;
    const { GRPCInferenceService } = loadInferenceProto();
    const client = new GRPCInferenceService(`127.0.0.1:${classifier.port}`, credentials.createInsecure());
    const request = {
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [BATCH, size, size, 3] }],
      rawInputContents: [Buffer.from(seededBytes(BATCH * size * size * 3, 9))],
    };
    return { classifier, client, request };
  }

  /** Calls queued or running, and crops waiting, from a scrape of the replica's /metrics. */
  async function gauges(classifier: RunningClassifier): Promise<{ inFlight: number; queued: number }> {
    const text = await (await fetch(`http://127.0.0.1:${classifier.metricsPort}/metrics`)).text();
    // The sample line `<name>{service="classifier"} <value>`.
    const gauge = (name: string) => Number(new RegExp(`^${name}\\{service="classifier"\\} (\\S+)`, 'm').exec(text)?.[1]);
    return { inFlight: gauge('classifier_requests_in_flight'), queued: gauge('classifier_queue_depth') };
  }

  /** Resolves once the replica has handed its one call's batch to the model (queue empty, one call in flight). */
  async function batchRunning(classifier: RunningClassifier, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { inFlight, queued } = await gauges(classifier);
      if (inFlight === 1 && queued === 0) return;
      if (Date.now() > deadline) throw new Error(`the batch did not start within ${timeoutMs} ms`);
    }
  }

  it('answers health checks, ServerReady and metrics scrapes while a large batch runs', async () => {
    const { classifier, client, request } = await start();
    const health = new HealthChecker(`127.0.0.1:${classifier.port}`);
    try {
      let answered = false;
      const inference = callUnary(client, 'ModelInfer', request).finally(() => (answered = true));
      await batchRunning(classifier);
      expect(await health.check('')).toBe('SERVING');
      expect(await callUnary(client, 'ServerReady', {})).toMatchObject({ ready: true });
      // Answered while the batch still runs: its call is still in flight. (With the model on the
      // event loop's thread, these answers come only once the batch is done.)
      expect(await gauges(classifier)).toEqual({ inFlight: 1, queued: 0 });
      expect(answered).toBe(false);
      expect((await inference).outputs[0].shape).toEqual([BATCH, 6]);
    } finally {
      health.close();
      client.close();
      await classifier.shutdown();
    }
  });

  it('on shutdown, lets the running batch finish and answers its call, then stops', async () => {
    const { classifier, client, request } = await start();
    try {
      const inference = callUnary(client, 'ModelInfer', request);
      await batchRunning(classifier);
      const stopped = classifier.shutdown();
      const response = await inference;
      expect(response.outputs[0].shape).toEqual([BATCH, 6]);
      const probabilities = new Float32Array(Uint8Array.from(response.rawOutputContents[0]).buffer);
      expect(probabilities.every((value) => value >= 0 && value <= 1)).toBe(true);
      await stopped;
    } finally {
      client.close();
      await classifier.shutdown();
    }
  });
});
