import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { callUnary } from '@skinlesion/grpc-kit';
import { createLogger } from '@skinlesion/logger';
import { loadInferenceProto, type GRPCInferenceServiceClient, type ModelInferRequest } from '@skinlesion/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierConfig } from '../src/config.js';
import { startClassifier, type RunningClassifier } from '../src/service.js';
import { seededBytes } from './fixtures/models.js';
import { copyDefaultModel, defaultOnnxShipped } from './fixtures/onnx-model.js';

const log = createLogger('classifier-test', 'silent');

function floats(bytes: Buffer): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

function counter(text: string, name: string): number {
  const match = new RegExp(`^${name}\\{service="classifier"\\} (\\d+)`, 'm').exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

describe.skipIf(!defaultOnnxShipped)('the classifier over gRPC on ONNX Runtime (default model)', () => {
  let root: string;
  let classifier: RunningClassifier;
  let client: GRPCInferenceServiceClient;
  let size: number;
  let embeddingSize: number;

  const request = (count: number, seed: number): ModelInferRequest => ({
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [count, size, size, 3] }],
    rawInputContents: [Buffer.from(seededBytes(count * size * size * 3, seed))],
  });
  const metrics = async () => (await fetch(`http://127.0.0.1:${classifier.metricsPort}/metrics`)).text();

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-server-onnx-'));
    const modelDir = await copyDefaultModel(path.join(root, 'model'), { onnx: true });
    classifier = await startClassifier(
      loadClassifierConfig({
        MODEL_DIR: modelDir,
        CLASSIFIER_HOST: '127.0.0.1',
        CLASSIFIER_PORT: '0',
        CLASSIFIER_METRICS_PORT: '0',
        CLASSIFIER_MAX_BATCH: '16',
        // Long enough that calls sent together share a batch even on a loaded machine.
        CLASSIFIER_MAX_QUEUE_DELAY_MS: '50',
        LOG_LEVEL: 'silent',
      }),
      log,
    );
    size = classifier.model.inputSize;
    const { GRPCInferenceService } = loadInferenceProto();
    client = new GRPCInferenceService(`127.0.0.1:${classifier.port}`, credentials.createInsecure());
    const metadata = await callUnary(client, 'ModelMetadata', {});
    embeddingSize = Number(metadata.outputs[1].shape[1]);
  });

  afterAll(async () => {
    client?.close();
    await classifier?.shutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('serves on ONNX Runtime by default and says so in ModelMetadata and the metrics', async () => {
    expect(classifier).toMatchObject({ runtime: 'onnxruntime', backend: 'cpu', platform: 'onnxruntime_onnx' });
    expect(await callUnary(client, 'ModelMetadata', {})).toMatchObject({
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, size, size, 3] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, embeddingSize] },
      ],
    });
    expect(await metrics()).toMatch(/^classifier_runtime_info\{runtime="onnxruntime",backend="cpu",platform="onnxruntime_onnx",service="classifier"\} 1$/m);
  });

  it('batches 16 concurrent one-crop calls and answers each as if it were alone', async () => {
    const before = await metrics();
    const together = await Promise.all(Array.from({ length: 16 }, (_, caller) => callUnary(client, 'ModelInfer', request(1, caller + 1))));
    const after = await metrics();
    const batches = counter(after, 'classifier_batch_size_count') - counter(before, 'classifier_batch_size_count');
    const crops = counter(after, 'classifier_batch_size_sum') - counter(before, 'classifier_batch_size_sum');
    expect(crops).toBe(16);
    expect(batches).toBeLessThan(16);

    let largest = 0;
    for (const [caller, response] of together.entries()) {
      expect(response.outputs.map((output) => output.shape)).toEqual([[1, 6], [1, embeddingSize]]);
      const alone = await callUnary(client, 'ModelInfer', request(1, caller + 1));
      for (const k of [0, 1]) {
        const a = floats(response.rawOutputContents[k]);
        const b = floats(alone.rawOutputContents[k]);
        a.forEach((value, index) => (largest = Math.max(largest, Math.abs(value - b[index]))));
      }
    }
    expect(largest).toBeLessThan(1e-4);
  });

  it('splits a call larger than the batch and returns its crops in order', async () => {
    const whole = await callUnary(client, 'ModelInfer', request(20, 77));
    expect(whole.outputs[0].shape).toEqual([20, 6]);
    const probabilities = floats(whole.rawOutputContents[0]);
    const perCrop = size * size * 3;
    const bytes = seededBytes(20 * perCrop, 77);
    for (const crop of [0, 15, 16, 19]) {
      const alone = await callUnary(client, 'ModelInfer', {
        inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, size, size, 3] }],
        rawInputContents: [Buffer.from(bytes.subarray(crop * perCrop, (crop + 1) * perCrop))],
      });
      floats(alone.rawOutputContents[0]).forEach((value, k) => expect(probabilities[crop * 6 + k]).toBeCloseTo(value, 5));
    }
  });
});
