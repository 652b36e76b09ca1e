import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import * as tf from '@tensorflow/tfjs';
import type { AppError } from '@skinlesion/errors';
import { callUnary, HealthChecker } from '@skinlesion/grpc-kit';
import { createLogger } from '@skinlesion/logger';
import { loadInferenceProto, type GRPCInferenceServiceClient, type ModelInferRequest } from '@skinlesion/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierConfig } from '../src/config.js';
import { startClassifier, type RunningClassifier } from '../src/service.js';
import { watchHealth } from './fixtures/health-watch.js';
import { seededBytes, TINY_EMBEDDING_SIZE, writeTinyLayersModel } from './fixtures/models.js';

const SIZE = 24;
const PER_CROP = SIZE * SIZE * 3;
const MAX_ITEMS = 64;
const log = createLogger('classifier-test', 'silent');

let root: string;
let classifier: RunningClassifier;
let client: GRPCInferenceServiceClient;
let target: string;

function inferRequest(count: number, bytes: Uint8Array, extra: Partial<ModelInferRequest> = {}): ModelInferRequest {
  return {
    id: `req-${count}`,
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [count, SIZE, SIZE, 3] }],
    rawInputContents: [Buffer.from(bytes)],
    ...extra,
  };
}

function floats(bytes: Buffer): Float32Array {
  // Copy first: protobuf buffers may sit at offsets a Float32Array view cannot start at.
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'classifier-server-'));
  const { dir } = await writeTinyLayersModel(path.join(root, 'model'), { inputSize: SIZE, name: 'tiny-cnn', version: '7' });
  const config = loadClassifierConfig({
    MODEL_DIR: dir,
    CLASSIFIER_HOST: '127.0.0.1',
    CLASSIFIER_PORT: '0',
    CLASSIFIER_METRICS_PORT: '0',
    CLASSIFIER_BACKEND: 'wasm',
    CLASSIFIER_MAX_ITEMS: String(MAX_ITEMS),
    SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'silent',
  });
  classifier = await startClassifier(config, log);
  target = `127.0.0.1:${classifier.port}`;
  const { GRPCInferenceService } = loadInferenceProto();
  client = new GRPCInferenceService(target, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await classifier?.shutdown();
  await rm(root, { recursive: true, force: true });
});

describe('the classifier over gRPC', () => {
  it('reports SERVING on grpc.health.v1 once started, for the server and the OIP service', async () => {
    expect(classifier.port).toBeGreaterThan(0);
    expect(classifier).toMatchObject({ runtime: 'tfjs', backend: 'wasm', platform: 'tensorflowjs_layers' });
    const health = new HealthChecker(target);
    expect(await health.check('')).toBe('SERVING');
    expect(await health.check('inference.GRPCInferenceService')).toBe('SERVING');
    health.close();
  });

  it('answers ServerLive, ServerReady, ModelReady and ServerMetadata', async () => {
    expect(await callUnary(client, 'ServerLive', {})).toEqual({ live: true });
    expect(await callUnary(client, 'ServerReady', {})).toEqual({ ready: true });
    expect(await callUnary(client, 'ModelReady', { name: 'tiny-cnn' })).toEqual({ ready: true });
    expect(await callUnary(client, 'ModelReady', { name: 'tiny-cnn', version: '7' })).toEqual({ ready: true });
    expect(await callUnary(client, 'ModelReady', { name: 'tiny-cnn', version: '6' })).toEqual({ ready: false });
    expect(await callUnary(client, 'ModelReady', { name: 'vgg16' })).toEqual({ ready: false });
    expect(await callUnary(client, 'ServerMetadata', {})).toEqual({ name: 'skinlesion-classifier', version: '0.1.0', extensions: [] });
  });

  it('describes the model in ModelMetadata', async () => {
    expect(await callUnary(client, 'ModelMetadata', { name: 'tiny-cnn' })).toEqual({
      name: 'tiny-cnn',
      versions: ['7'],
      platform: 'tensorflowjs_layers',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, SIZE, SIZE, 3] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, TINY_EMBEDDING_SIZE] },
      ],
    });
    const missing = await refusal(callUnary(client, 'ModelMetadata', { name: 'vgg16' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('classifies 40 crops in one call exactly as in 40 calls of one crop', async () => {
    const bytes = seededBytes(40 * PER_CROP, 9);
    const response = await callUnary(client, 'ModelInfer', inferRequest(40, bytes, { modelName: '' }));
    expect(response).toMatchObject({ id: 'req-40', modelName: 'tiny-cnn', modelVersion: '7' });
    expect(response.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [40, 6], parameters: {}, contents: null },
      { name: 'embedding', datatype: 'FP32', shape: [40, TINY_EMBEDDING_SIZE], parameters: {}, contents: null },
    ]);
    expect(response.rawOutputContents.map((raw) => raw.length)).toEqual([40 * 6 * 4, 40 * TINY_EMBEDDING_SIZE * 4]);
    const probabilities = floats(response.rawOutputContents[0]);
    const embedding = floats(response.rawOutputContents[1]);

    let largestDifference = 0;
    for (let crop = 0; crop < 40; crop += 1) {
      const row = probabilities.subarray(crop * 6, crop * 6 + 6);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const alone = await callUnary(client, 'ModelInfer', inferRequest(1, bytes.subarray(crop * PER_CROP, (crop + 1) * PER_CROP), { modelName: 'tiny-cnn', modelVersion: '7' }));
      const aloneProbabilities = floats(alone.rawOutputContents[0]);
      const aloneEmbedding = floats(alone.rawOutputContents[1]);
      aloneProbabilities.forEach((value, k) => (largestDifference = Math.max(largestDifference, Math.abs(value - row[k]))));
      aloneEmbedding.forEach((value, k) => {
        largestDifference = Math.max(largestDifference, Math.abs(value - embedding[crop * TINY_EMBEDDING_SIZE + k]));
      });
    }
    expect(largestDifference).toBeLessThan(1e-5);
  });

  it('returns only the outputs asked for, in the order asked', async () => {
    const response = await callUnary(client, 'ModelInfer', inferRequest(2, seededBytes(2 * PER_CROP), { outputs: [{ name: 'embedding' }] }));
    expect(response.outputs.map((output) => output.name)).toEqual(['embedding']);
    expect(response.rawOutputContents).toHaveLength(1);
    expect(response.rawOutputContents[0].length).toBe(2 * TINY_EMBEDDING_SIZE * 4);
  });

  it('accepts FP32 crops already in model scale, in contents.fp32_contents', async () => {
    const bytes = seededBytes(2 * PER_CROP, 4);
    const fromBytes = await callUnary(client, 'ModelInfer', inferRequest(2, bytes));
    const fromFloats = await callUnary(client, 'ModelInfer', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [2, SIZE, SIZE, 3], contents: { fp32Contents: Array.from(bytes, (v) => v / 255) } }],
    });
    const expected = floats(fromBytes.rawOutputContents[0]);
    floats(fromFloats.rawOutputContents[0]).forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
  });

  it('refuses bad requests with INVALID_ARGUMENT or NOT_FOUND and a message that says why', async () => {
    const wrongSize = await refusal(
      callUnary(client, 'ModelInfer', {
        inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, 32, 32, 3] }],
        rawInputContents: [Buffer.alloc(32 * 32 * 3)],
      }),
    );
    expect(wrongSize.code).toBe('INVALID_ARGUMENT');
    expect(wrongSize.message).toBe(`input shape must be [N, ${SIZE}, ${SIZE}, 3] (N crops of ${SIZE} x ${SIZE} px, 3 channels, 1 <= N <= ${MAX_ITEMS}), got [1, 32, 32, 3]`);

    const shortBytes = await refusal(callUnary(client, 'ModelInfer', inferRequest(2, seededBytes(2 * PER_CROP - 3))));
    expect(shortBytes.code).toBe('INVALID_ARGUMENT');
    expect(shortBytes.message).toMatch(/holds 3453 bytes, but UINT8 \[2, 24, 24, 3\] needs 3456/);

    const tooMany = await refusal(callUnary(client, 'ModelInfer', inferRequest(MAX_ITEMS + 1, new Uint8Array((MAX_ITEMS + 1) * PER_CROP))));
    expect(tooMany.code).toBe('INVALID_ARGUMENT');
    expect(tooMany.details).toMatchObject({ limit: 'CLASSIFIER_MAX_ITEMS', max: MAX_ITEMS });

    const unknownOutput = await refusal(callUnary(client, 'ModelInfer', inferRequest(1, seededBytes(PER_CROP), { outputs: [{ name: 'logits' }] })));
    expect(unknownOutput.code).toBe('INVALID_ARGUMENT');

    const otherModel = await refusal(callUnary(client, 'ModelInfer', inferRequest(1, seededBytes(PER_CROP), { modelName: 'vgg16' })));
    expect(otherModel.code).toBe('NOT_FOUND');
    expect(otherModel.message).toBe('model "vgg16" is not served here; this server serves "tiny-cnn" version "7"');
  });

  it('leaves no tensor behind across calls', async () => {
    await callUnary(client, 'ModelInfer', inferRequest(3, seededBytes(3 * PER_CROP)));
    const before = tf.memory().numTensors;
    for (let call = 1; call <= 3; call += 1) await callUnary(client, 'ModelInfer', inferRequest(call * 11, seededBytes(call * 11 * PER_CROP, call)));
    await refusal(callUnary(client, 'ModelInfer', inferRequest(2, seededBytes(PER_CROP))));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exports per-RPC and inference metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${classifier.metricsPort}/metrics`)).text();
    const items = /^classifier_items_total\{service="classifier"\} (\d+)/m.exec(text);
    // 40 + 40 x 1 + 2 + 2 + 2 + 3 + 11 + 22 + 33 crops classified so far, warm-up excluded.
    expect(Number(items?.[1])).toBe(155);
    expect(text).toMatch(/^classifier_batch_size_bucket\{le="32",service="classifier"\} \d+/m);
    expect(text).toMatch(/^classifier_inference_seconds_count\{service="classifier"\} \d+/m);
    expect(text).toMatch(/^classifier_model_load_seconds\{service="classifier"\} \d/m);
    // Every crop waited in the queue once; nothing waits now.
    expect(text).toMatch(/^classifier_queue_wait_seconds_count\{service="classifier"\} 155$/m);
    expect(text).toMatch(/^classifier_queue_depth\{service="classifier"\} 0$/m);
    expect(text).toMatch(/^classifier_requests_in_flight\{service="classifier"\} 0$/m);
    // 1 + 1 + 40 + 1 + 1 + 1 + 3 calls reached the batcher (the refused ones never did).
    expect(text).toMatch(/^classifier_requests_total\{outcome="ok",service="classifier"\} 48$/m);
    expect(text).toMatch(/^classifier_runtime_info\{runtime="tfjs",backend="wasm",platform="tensorflowjs_layers",service="classifier"\} 1$/m);
    expect(text).toMatch(/grpc_server_handled_total\{grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer",grpc_code="INVALID_ARGUMENT",service="classifier"\} [1-9]/);
  });
});

describe('shutdown', () => {
  it('reports NOT_SERVING as soon as it starts, drains the open call, then stops', async () => {
    const watch = watchHealth(target);
    await watch.next('SERVING');
    const stopped = classifier.shutdown();
    await watch.next('NOT_SERVING');
    // The watch is an in-flight call: shutdown waits for it to finish rather than cutting it.
    watch.close();
    await stopped;
    const health = new HealthChecker(target);
    expect(await health.check('', 500)).toBe('UNREACHABLE');
    health.close();
  });
});

describe('a full queue', () => {
  it('refuses what does not fit with RESOURCE_EXHAUSTED and a retry time, and serves the rest', async () => {
    // Batches of up to 32 and a long delay: the first call waits in the queue, which holds 8 crops.
    const config = loadClassifierConfig({
      MODEL_DIR: path.join(root, 'model'),
      CLASSIFIER_HOST: '127.0.0.1',
      CLASSIFIER_PORT: '0',
      CLASSIFIER_METRICS_PORT: '0',
      CLASSIFIER_BACKEND: 'wasm',
      CLASSIFIER_MAX_BATCH: '32',
      CLASSIFIER_MAX_QUEUE_DELAY_MS: '1000',
      CLASSIFIER_MAX_QUEUE: '8',
      CLASSIFIER_MAX_ITEMS: '8',
    });
    const small = await startClassifier(config, log);
    const { GRPCInferenceService } = loadInferenceProto();
    const smallClient = new GRPCInferenceService(`127.0.0.1:${small.port}`, credentials.createInsecure());
    try {
      // 8 + 1 crops: whichever arrives second does not fit while the other waits.
      const outcomes = await Promise.allSettled([
        callUnary(smallClient, 'ModelInfer', inferRequest(8, seededBytes(8 * PER_CROP, 1))),
        callUnary(smallClient, 'ModelInfer', inferRequest(1, seededBytes(PER_CROP, 2))),
      ]);
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason as AppError);
      expect(refused).toHaveLength(1);
      expect(refused[0].code).toBe('RESOURCE_EXHAUSTED');
      expect(refused[0].details).toMatchObject({ limit: 'CLASSIFIER_MAX_QUEUE', maxQueue: 8, retryAfterSeconds: 1 });
      expect(refused[0].message).toMatch(/^the classifier's queue holds \d of at most 8 crops, too many to take \d more: retry in 1 s or on another replica$/);
      const text = await (await fetch(`http://127.0.0.1:${small.metricsPort}/metrics`)).text();
      expect(text).toMatch(/^classifier_requests_total\{outcome="rejected",service="classifier"\} 1$/m);
    } finally {
      smallClient.close();
      await small.shutdown();
    }
  });

  it('is configured to hold at least the largest call', () => {
    expect(() => loadClassifierConfig({ CLASSIFIER_MAX_QUEUE: '100', CLASSIFIER_MAX_ITEMS: '200' })).toThrow(
      'CLASSIFIER_MAX_QUEUE=100 is smaller than CLASSIFIER_MAX_ITEMS=200: a call of 200 crops could never be queued',
    );
  });
});

describe('start-up', () => {
  it('fails with a clear error when the model cannot be loaded', async () => {
    const config = loadClassifierConfig({
      MODEL_DIR: path.join(root, 'absent'),
      CLASSIFIER_HOST: '127.0.0.1',
      CLASSIFIER_PORT: '0',
      CLASSIFIER_METRICS_PORT: '0',
      CLASSIFIER_BACKEND: 'wasm',
    });
    await expect(startClassifier(config, log)).rejects.toThrow(/cannot read the model manifest .*absent\/manifest.json/);
  });
});
