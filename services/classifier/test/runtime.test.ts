import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createLogger } from '@skinlesion/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CropBatch } from '../src/domain/input-tensor.js';
import { initBackend } from '../src/runtime/backend.js';
import { Classifier, type ClassifierOptions } from '../src/runtime/classifier.js';
import { loadRunner } from '../src/runtime/load.js';
import type { ModelRunner } from '../src/runtime/runner.js';
import { seededBytes, TINY_EMBEDDING_SIZE, writeTinyGraphModel, writeTinyLayersModel } from './fixtures/models.js';

let root: string;
const log = createLogger('classifier-test', 'silent');

function tfjsRunner(dir: string): Promise<ModelRunner> {
  return loadRunner({ modelDir: dir, runtime: 'tfjs', backend: 'wasm' }, log);
}

async function tfjsClassifier(dir: string, options: ClassifierOptions): Promise<Classifier> {
  return new Classifier(await tfjsRunner(dir), options);
}

function uint8Crops(count: number, size: number, seed = 3): CropBatch & { datatype: 'UINT8' } {
  return { datatype: 'UINT8', count, size, data: seededBytes(count * size * size * 3, seed) };
}

/** The error's message followed by its causes', as the logs show it. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const messages: string[] = [];
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) messages.push(cause.message);
    return messages.join(': ');
  }
  throw new Error('expected a failure');
}

async function editManifest(dir: string, edit: (manifest: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

beforeAll(async () => {
  expect(await initBackend('wasm', log)).toBe('wasm');
  root = await mkdtemp(path.join(tmpdir(), 'classifier-runtime-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('layers model', () => {
  let classifier: Classifier;
  const size = 32;

  beforeAll(async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'layers'), { inputSize: size });
    classifier = await tfjsClassifier(dir, { maxBatch: 32 });
    expect(classifier).toMatchObject({ runtime: 'tfjs', backend: 'wasm', platform: 'tensorflowjs_layers' });
    await classifier.warmUp();
  });

  afterAll(() => classifier.dispose());

  it('classifies 40 crops in batches exactly as it classifies each crop alone', async () => {
    const crops = uint8Crops(40, size);
    const batched = await classifier.classify(crops);
    expect(batched.probabilities).toHaveLength(40 * 6);
    expect(batched.embedding).toHaveLength(40 * TINY_EMBEDDING_SIZE);
    const perCrop = size * size * 3;
    let largestDifference = 0;
    for (let crop = 0; crop < 40; crop += 1) {
      const alone = await classifier.classify({ ...crops, count: 1, data: crops.data.subarray(crop * perCrop, (crop + 1) * perCrop) });
      alone.probabilities.forEach((value, k) => {
        largestDifference = Math.max(largestDifference, Math.abs(value - batched.probabilities[crop * 6 + k]));
      });
      alone.embedding.forEach((value, k) => {
        largestDifference = Math.max(largestDifference, Math.abs(value - batched.embedding[crop * TINY_EMBEDDING_SIZE + k]));
      });
      const sum = batched.probabilities.subarray(crop * 6, crop * 6 + 6).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
    expect(largestDifference).toBeLessThan(1e-5);
    // Different crops give different answers: the model is not a constant.
    expect(batched.probabilities[0]).not.toBeCloseTo(batched.probabilities[6], 4);
  });

  it('takes FP32 input as already scaled and agrees with UINT8 input', async () => {
    const crops = uint8Crops(5, size, 11);
    const scaled = Float32Array.from(crops.data, (value) => value / 255);
    const fromBytes = await classifier.classify(crops);
    const fromFloats = await classifier.classify({ datatype: 'FP32', count: 5, size, data: scaled });
    fromFloats.probabilities.forEach((value, index) => expect(value).toBeCloseTo(fromBytes.probabilities[index], 6));
    fromFloats.embedding.forEach((value, index) => expect(value).toBeCloseTo(fromBytes.embedding[index], 6));
  });

  it('leaves no tensor behind across calls', async () => {
    await classifier.classify(uint8Crops(3, size));
    const before = tf.memory().numTensors;
    for (let call = 0; call < 4; call += 1) await classifier.classify(uint8Crops(33 + call, size, call + 20));
    await classifier.classify({ datatype: 'FP32', count: 2, size, data: new Float32Array(2 * size * size * 3) });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('batches concurrent requests together, UINT8 and FP32 alike, each answered as if alone', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'concurrent'), { inputSize: size });
    const batches: number[] = [];
    const shared = await tfjsClassifier(dir, { maxBatch: 16, maxQueueDelayMs: 0, observer: { batch: (batch) => batches.push(batch) } });
    const requests: CropBatch[] = [
      uint8Crops(3, size, 31),
      { datatype: 'FP32', count: 2, size, data: Float32Array.from(seededBytes(2 * size * size * 3, 32), (value) => value / 255) },
      uint8Crops(14, size, 33),
    ];
    // Submitted in one tick: they share the first batch, and the third spills into a second.
    const together = await Promise.all(requests.map((request) => shared.classify(request)));
    expect(batches).toEqual([16, 3]);
    for (const [index, request] of requests.entries()) {
      const alone = await classifier.classify(request);
      expect(together[index].count).toBe(request.count);
      together[index].probabilities.forEach((value, k) => expect(value).toBeCloseTo(alone.probabilities[k], 6));
      together[index].embedding.forEach((value, k) => expect(value).toBeCloseTo(alone.embedding[k], 5));
    }
    await shared.dispose();
  });

  it('stops between batches when the call is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = tf.memory().numTensors;
    await expect(classifier.classify(uint8Crops(2, size), controller.signal)).rejects.toMatchObject({ name: 'AppError', code: 'CANCELLED' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports each batch to its observer', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'observed'), { inputSize: size });
    const batches: number[] = [];
    const observed = await tfjsClassifier(dir, {
      maxBatch: 8,
      observer: {
        batch: (batch, seconds) => {
          expect(seconds).toBeGreaterThan(0);
          batches.push(batch);
        },
      },
    });
    await observed.warmUp();
    expect(batches).toEqual([]);
    await observed.classify(uint8Crops(20, size));
    expect(batches).toEqual([8, 8, 4]);
    await observed.dispose();
    await expect(observed.classify(uint8Crops(1, size))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('graph model', () => {
  it('runs a TF graph and names inner nodes as the embedding', async () => {
    const size = 8;
    const { dir } = await writeTinyGraphModel(path.join(root, 'graph'), { inputSize: size, scaling: 'symmetric' });
    const classifier = await tfjsClassifier(dir, { maxBatch: 4 });
    expect(classifier.platform).toBe('tensorflowjs_graph');
    await classifier.warmUp();
    const crops = uint8Crops(6, size, 5);
    const result = await classifier.classify(crops);

    // By hand: embedding = mean scaled colour; probabilities = softmax(embedding . kernel + bias).
    const kernel = Array.from({ length: 18 }, (_, index) => ((index * 5) % 7) - 3);
    const perCrop = size * size * 3;
    for (let crop = 0; crop < 6; crop += 1) {
      const mean = [0, 0, 0];
      for (let i = 0; i < size * size; i += 1) {
        for (let c = 0; c < 3; c += 1) mean[c] += crops.data[crop * perCrop + i * 3 + c] / 127.5 - 1;
      }
      const features = mean.map((sum) => sum / (size * size));
      const logits = Array.from({ length: 6 }, (_, k) => features.reduce((acc, f, c) => acc + f * kernel[c * 6 + k], k * 0.05));
      const exps = logits.map((logit) => Math.exp(logit - Math.max(...logits)));
      const total = exps.reduce((a, b) => a + b, 0);
      features.forEach((value, c) => expect(result.embedding[crop * 3 + c]).toBeCloseTo(value, 5));
      exps.forEach((value, k) => expect(result.probabilities[crop * 6 + k]).toBeCloseTo(value / total, 5));
    }
    await classifier.dispose();
  });

  it('refuses at warm-up a probabilities output that is not a softmax', async () => {
    const { dir } = await writeTinyGraphModel(path.join(root, 'logits'));
    await editManifest(dir, (manifest) => {
      manifest['outputs'] = { probabilities: 'dense/BiasAdd', embedding: 'features/Mean' };
    });
    const classifier = await tfjsClassifier(dir, { maxBatch: 2 });
    await expect(classifier.warmUp()).rejects.toThrow(/outputs.probabilities "dense\/BiasAdd" sums to .*, not 1/);
    await classifier.dispose();
  });
});

describe('a model that disagrees with its manifest', () => {
  it('fails at warm-up when embeddingSize is wrong', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'wrong-embedding'), { inputSize: 16 });
    await editManifest(dir, (manifest) => {
      manifest['embeddingSize'] = 99;
    });
    const classifier = await tfjsClassifier(dir, { maxBatch: 2 });
    await expect(classifier.warmUp()).rejects.toThrow(`outputs.embedding "embedding" gives ${TINY_EMBEDDING_SIZE} values per crop, but the manifest's embeddingSize is 99`);
    await classifier.dispose();
  });

  it('fails at load when an output names no layer', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'wrong-layer'), { inputSize: 16 });
    await editManifest(dir, (manifest) => {
      manifest['outputs'] = { probabilities: 'probabilities', embedding: 'fc2' };
    });
    expect(await failure(tfjsRunner(dir))).toMatch(/outputs.embedding names "fc2", which is not a layer of the model \(its outputs are "probabilities"\)/);
  });

  it('fails at load when inputSize differs from the model input', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'wrong-size'), { inputSize: 16 });
    await editManifest(dir, (manifest) => {
      manifest['inputSize'] = 150;
    });
    expect(await failure(tfjsRunner(dir))).toMatch(/^cannot load model "tiny-cnn" from .*: the model input shape \[\?, 16, 16, 3\] does not take \[N, 150, 150, 3\]/);
  });

  it('fails at load with every manifest problem listed', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'bad-manifest'), { inputSize: 16 });
    await editManifest(dir, (manifest) => {
      manifest['scaling'] = 'imagenet';
      delete manifest['version'];
    });
    expect(await failure(tfjsRunner(dir))).toMatch(/invalid model manifest .*manifest.json\):\n {2}- version .*\n {2}- scaling/);
  });

  it('refuses weight files outside the model folder', async () => {
    const { dir } = await writeTinyLayersModel(path.join(root, 'escape'), { inputSize: 16 });
    const file = path.join(dir, 'model.json');
    const modelJson = JSON.parse(await readFile(file, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    modelJson.weightsManifest[0].paths = ['../layers/group1-shard1of1.bin'];
    await writeFile(file, JSON.stringify(modelJson));
    expect(await failure(tfjsRunner(dir))).toMatch(/lies outside the model folder/);
  });

  it('reports a missing manifest with its path', async () => {
    expect(await failure(tfjsRunner(path.join(root, 'nowhere')))).toMatch(/cannot read the model manifest .*nowhere\/manifest.json: ENOENT/);
  });
});
