import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import type { AppError } from '@skinlesion/errors';
import { callUnary, HealthChecker } from '@skinlesion/grpc-kit';
import { createLogger } from '@skinlesion/logger';
import { parseManifest, type Manifest } from '@skinlesion/model-manifest';
import { loadInferenceProto } from '@skinlesion/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierConfig } from '../src/config.js';
import { Classifier } from '../src/runtime/classifier.js';
import type { ModelRunner } from '../src/runtime/runner.js';
import { startWorkerRunner } from '../src/runtime/worker-runner.js';
import { startClassifier } from '../src/service.js';
import { settle } from './fixtures/manual-clock.js';
import { seededBytes } from './fixtures/models.js';

const SIZE = 4;
const PER_CROP = SIZE * SIZE * 3;
const EMBEDDING = 5;
const FAKE_WORKER = new URL('./fixtures/fake-model-worker.mjs', import.meta.url);
const manifest: Manifest = parseManifest({
  name: 'fake',
  version: '1',
  format: 'tfjs-layers',
  modelPath: 'model.json',
  inputSize: SIZE,
  channelOrder: 'RGB',
  scaling: 'raw',
  classNames: ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'],
  outputs: { probabilities: 'probabilities', embedding: 'embedding' },
  embeddingSize: EMBEDDING,
});

interface FakeBehaviour {
  readonly load?: 'ok' | 'fail' | 'exit' | 'throw';
  readonly crashOn?: { readonly count: number; readonly how: 'exit' | 'throw' };
  readonly failOn?: number;
  /** Hold every batch in the worker until opened. */
  readonly gated?: boolean;
  readonly checkModel?: () => void;
}

/** The gate's two counters: [0] open, [1] runs started (see fake-model-worker.mjs). */
class Gate {
  readonly view = new Int32Array(new SharedArrayBuffer(8));

  /** Resolves once `runs` batches have started in the worker (it is blocked in the last one). */
  async started(runs: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(this.view, 1) < runs) {
      if (Date.now() > deadline) throw new Error(`batch ${runs} did not start within ${timeoutMs} ms`);
      await settle();
    }
  }

  open(): void {
    Atomics.store(this.view, 0, 1);
    Atomics.notify(this.view, 0);
  }
}

const runners: ModelRunner[] = [];
const gates: Gate[] = [];

async function fakeRunner(behaviour: FakeBehaviour = {}): Promise<{ runner: ModelRunner; gate: Gate }> {
  const gate = new Gate();
  gates.push(gate);
  const runner = await startWorkerRunner({
    script: FAKE_WORKER,
    workerData: {
      load: behaviour.load,
      inputSize: SIZE,
      embeddingSize: EMBEDDING,
      crashOn: behaviour.crashOn,
      failOn: behaviour.failOn,
      gate: behaviour.gated ? gate.view : undefined,
    },
    name: 'fake-model',
    manifest,
    runtime: 'onnxruntime',
    backend: 'cpu',
    platform: 'onnxruntime_onnx',
    ...(behaviour.checkModel === undefined ? {} : { checkModel: behaviour.checkModel }),
  });
  runners.push(runner);
  return { runner, gate };
}

/** `count` crops whose values are crop * 100 + position, as float32 model input. */
function input(count: number, capacity = count): Float32Array {
  const values = new Float32Array(capacity * PER_CROP);
  for (let crop = 0; crop < count; crop += 1) for (let k = 0; k < PER_CROP; k += 1) values[crop * PER_CROP + k] = crop * 100 + k;
  return values;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

/** Resolves with whether the promise settled while promise callbacks and I/O ran, without waiting for it. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < 5; turn += 1) await settle();
  return settled;
}

afterEach(async () => {
  // A test that fails half-way must not leave a worker blocked in its gate.
  for (const gate of gates.splice(0)) gate.open();
  await Promise.all(runners.splice(0).map((runner) => runner.dispose()));
});

describe('a model runner in a worker thread', () => {
  it('moves the input to the worker and back, and returns its outputs', async () => {
    const { runner } = await fakeRunner();
    const given = input(3, 8);
    const result = await runner.run(given, 3);
    // The memory moved: the array given is empty now, and the result hands it back whole.
    expect(given.length).toBe(0);
    expect(result.input.length).toBe(8 * PER_CROP);
    expect(Array.from(result.input.subarray(PER_CROP, PER_CROP + 3))).toEqual([100, 101, 102]);
    expect(Array.from(result.probabilities)).toEqual(new Array(18).fill(Math.fround(1 / 6)));
    expect(Array.from(result.embedding)).toEqual([1, 2, 3, 4, 5, 101, 102, 103, 104, 105, 201, 202, 203, 204, 205]);
    // The memory handed back serves the next batch.
    const again = await runner.run(result.input, 1);
    expect(Array.from(again.embedding)).toEqual([1, 2, 3, 4, 5]);
  });

  it('copies an input that shares its memory with other data instead of moving that memory', async () => {
    const { runner } = await fakeRunner();
    const whole = input(4);
    const view = whole.subarray(PER_CROP, 3 * PER_CROP);
    const result = await runner.run(view, 2);
    expect(whole.length).toBe(4 * PER_CROP);
    expect(Array.from(result.embedding)).toEqual([101, 102, 103, 104, 105, 201, 202, 203, 204, 205]);
  });

  it("fails a batch the model fails with the worker's error, and keeps running the next", async () => {
    const { runner } = await fakeRunner({ failOn: 2 });
    const failed = await refusal(runner.run(input(2), 2));
    expect(failed).toBeInstanceOf(Error);
    expect(failed).toMatchObject({ name: 'RangeError', message: 'cannot run 2 crops' });
    expect((await runner.run(input(1), 1)).embedding).toHaveLength(EMBEDDING);
  });

  it.each([
    ['load-failed', 'fail', 'no such model'],
    ['exit', 'exit', 'the inference thread stopped (exit code 4) while loading the model'],
    ['throw', 'throw', 'the inference thread crashed while loading the model: broken native binary'],
  ] as const)('refuses to start when loading fails (%s)', async (_, load, message) => {
    await expect(fakeRunner({ load })).rejects.toThrow(message);
  });

  it('refuses a model its checkModel refuses', async () => {
    await expect(
      fakeRunner({
        checkModel: () => {
          throw new Error('input is [N, 3, 4, 4], not [N, 4, 4, 3]');
        },
      }),
    ).rejects.toThrow('input is [N, 3, 4, 4], not [N, 4, 4, 3]');
  });

  it.each([
    ['exits', 'exit', 'the inference thread stopped (exit code 3)'],
    ['throws', 'throw', 'the inference thread crashed: the model crashed'],
  ] as const)('when the thread %s mid-batch: that batch and later ones fail with UNAVAILABLE at once, and lost says why', async (_, how, message) => {
    const { runner } = await fakeRunner({ crashOn: { count: 7, how } });
    const crashed = await refusal(runner.run(input(7), 7));
    expect(crashed).toMatchObject({ code: 'UNAVAILABLE', message });
    expect(await runner.lost).toBe(crashed);
    expect(await refusal(runner.run(input(1), 1))).toBe(crashed);
  });

  it('on dispose, lets the running batch finish, then ends the thread and refuses more', async () => {
    const { runner, gate } = await fakeRunner({ gated: true });
    const running = runner.run(input(2), 2);
    await gate.started(1);
    const disposed = runner.dispose();
    expect(await settledYet(disposed)).toBe(false);
    expect(await settledYet(running)).toBe(false);
    gate.open();
    expect((await running).embedding).toHaveLength(2 * EMBEDDING);
    await disposed;
    expect(await refusal(runner.run(input(1), 1))).toMatchObject({ code: 'UNAVAILABLE', message: 'the model has been released' });
  });

  it('on dispose, does not hang when the thread dies in the batch it waits for', async () => {
    const { runner, gate } = await fakeRunner({ gated: true, crashOn: { count: 2, how: 'exit' } });
    const running = runner.run(input(2), 2);
    await gate.started(1);
    const disposed = runner.dispose();
    gate.open();
    expect(await refusal(running)).toMatchObject({ code: 'UNAVAILABLE', message: 'the inference thread stopped (exit code 3)' });
    await disposed;
  });
});

describe('a classifier on a worker thread', () => {
  const crops = (count: number, seed: number) => ({ datatype: 'UINT8' as const, count, size: SIZE, data: seededBytes(count * PER_CROP, seed) });

  it('with pipeline depth 2, hands the next batch over while one runs', async () => {
    const { runner, gate } = await fakeRunner({ gated: true });
    const classifier = new Classifier(runner, { maxBatch: 4, pipelineDepth: 2 });
    const first = classifier.classify(crops(4, 1));
    await gate.started(1);
    // The first batch holds the model; the next is formed and handed over all the same.
    const second = classifier.classify(crops(3, 2));
    for (let turn = 0; turn < 100 && classifier.queueDepth > 0; turn += 1) await settle();
    expect(classifier.queueDepth).toBe(0);
    // A third waits: two batches are in flight.
    const third = classifier.classify(crops(1, 3));
    for (let turn = 0; turn < 5; turn += 1) await settle();
    expect(classifier.queueDepth).toBe(1);
    gate.open();
    const results = await Promise.all([first, second, third]);
    expect(results.map((result) => result.count)).toEqual([4, 3, 1]);
    // Raw scaling: embedding value k of a crop is its k-th byte + 1.
    expect(results[1].embedding[EMBEDDING]).toBe(crops(3, 2).data[PER_CROP] + 1);
    await classifier.dispose();
  });

  it('fails the running batch and the waiting requests with UNAVAILABLE when the thread dies, and refuses later ones at once', async () => {
    const { runner } = await fakeRunner({ crashOn: { count: 4, how: 'exit' } });
    const classifier = new Classifier(runner, { maxBatch: 4 });
    const running = classifier.classify(crops(4, 1));
    const waiting = classifier.classify(crops(2, 2));
    expect(await refusal(running)).toMatchObject({ code: 'UNAVAILABLE', message: 'the inference thread stopped (exit code 3)' });
    expect(await refusal(waiting)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await refusal(classifier.classify(crops(1, 3)))).toMatchObject({ code: 'UNAVAILABLE' });
    await classifier.dispose();
  });
});

describe('a replica whose inference thread dies', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-worker-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('goes NOT_SERVING and answers ModelInfer with UNAVAILABLE at once', async () => {
    const config = loadClassifierConfig({
      MODEL_DIR: root,
      CLASSIFIER_HOST: '127.0.0.1',
      CLASSIFIER_PORT: '0',
      CLASSIFIER_METRICS_PORT: '0',
      CLASSIFIER_MAX_BATCH: '4',
      LOG_LEVEL: 'silent',
    });
    // Crops of 3 make the fake thread exit; warm-up runs a full batch of 4.
    const classifier = await startClassifier(config, createLogger('classifier-test', 'silent'), {
      loadRunner: async () => (await fakeRunner({ crashOn: { count: 3, how: 'exit' } })).runner,
    });
    const { GRPCInferenceService } = loadInferenceProto();
    const client = new GRPCInferenceService(`127.0.0.1:${classifier.port}`, credentials.createInsecure());
    const health = new HealthChecker(`127.0.0.1:${classifier.port}`);
    const request = (count: number) => ({
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [count, SIZE, SIZE, 3] }],
      rawInputContents: [Buffer.from(seededBytes(count * PER_CROP, count))],
    });
    try {
      expect(await health.check('')).toBe('SERVING');
      expect((await callUnary(client, 'ModelInfer', request(2))).outputs[0].shape).toEqual([2, 6]);
      const crashed = await refusal(callUnary(client, 'ModelInfer', request(3)));
      expect(crashed).toMatchObject({ code: 'UNAVAILABLE' });
      expect(crashed.message).toContain('the inference thread stopped (exit code 3)');
      expect(await health.check('')).toBe('NOT_SERVING');
      expect(await health.check('inference.GRPCInferenceService')).toBe('NOT_SERVING');
      expect(await callUnary(client, 'ServerReady', {})).toMatchObject({ ready: false });
      expect(await refusal(callUnary(client, 'ModelInfer', request(1), { deadline: new Date(Date.now() + 5000) }))).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      health.close();
      client.close();
      await classifier.shutdown();
    }
  });
});
