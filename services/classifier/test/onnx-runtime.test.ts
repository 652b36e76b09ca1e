import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SOURCE_FINGERPRINT_KEY, fingerprintModelFiles } from '@skinlesion/model-manifest';
import { createLogger } from '@skinlesion/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxMetadata } from '../src/domain/onnx-metadata.js';
import { Classifier } from '../src/runtime/classifier.js';
import { loadRunner } from '../src/runtime/load.js';
import { seededBytes } from './fixtures/models.js';
import { copyDefaultModel, DEFAULT_MODEL_DIR, DEFAULT_ONNX, defaultOnnxShipped } from './fixtures/onnx-model.js';

const silent = createLogger('classifier-test', 'silent');

/** A logger whose records the test can read. */
function recordingLogger() {
  const records: { level: number; msg: string; err?: { message: string } }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      records.push(JSON.parse(chunk.toString('utf8')) as (typeof records)[number]);
      callback();
    },
  });
  return { log: createLogger('classifier-test', 'debug', stream), records };
}

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

describe('onnxMetadata', () => {
  it.skipIf(!defaultOnnxShipped)("reads the export's metadata_props, the source fingerprint among them", async () => {
    const metadata = onnxMetadata(new Uint8Array(await readFile(DEFAULT_ONNX)));
    expect(metadata.get(SOURCE_FINGERPRINT_KEY)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(metadata.get('skinlesion.exporter')).toMatch(/^@skinlesion\/onnx-export /);
  });

  it('reads entries after other fields, and refuses bytes that are not protobuf', () => {
    // ir_version = 7 (field 1, varint), then metadata_props {key "k", value "v"} (field 14).
    const bytes = Uint8Array.of(0x08, 0x07, 0x72, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76);
    expect(onnxMetadata(bytes)).toEqual(new Map([['k', 'v']]));
    expect(() => onnxMetadata(Uint8Array.of(0x72, 0x40, 0x0a))).toThrow('not an ONNX model file');
  });
});

describe.skipIf(!defaultOnnxShipped)('the default model on ONNX Runtime', () => {
  let root: string;
  let onnxDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-onnx-'));
    onnxDir = await copyDefaultModel(path.join(root, 'onnx'), { onnx: true });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is current: exported from the TF.js files beside it (else re-run the exporter)', async () => {
    const recorded = onnxMetadata(new Uint8Array(await readFile(DEFAULT_ONNX))).get(SOURCE_FINGERPRINT_KEY);
    expect(recorded, 'stale model.onnx: node packages/onnx-export/dist/cli.js --model services/classifier/models/default').toBe(
      await fingerprintModelFiles(path.join(DEFAULT_MODEL_DIR, 'model.json')),
    );
  });

  it('classifies as the TF.js runtime does (probabilities within 1e-4), through the same preprocessing and batcher', async () => {
    const onnx = new Classifier(await loadRunner({ modelDir: onnxDir, runtime: 'auto', backend: 'wasm' }, silent), { maxBatch: 32 });
    const tfjs = new Classifier(await loadRunner({ modelDir: onnxDir, runtime: 'tfjs', backend: 'wasm' }, silent), { maxBatch: 32 });
    try {
      expect(onnx).toMatchObject({ runtime: 'onnxruntime', backend: 'cpu', platform: 'onnxruntime_onnx' });
      expect(tfjs).toMatchObject({ runtime: 'tfjs', backend: 'wasm', platform: 'tensorflowjs_layers' });
      await onnx.warmUp();
      const size = onnx.manifest.inputSize;
      const crops = { datatype: 'UINT8' as const, count: 20, size, data: seededBytes(20 * size * size * 3, 41) };
      const [a, b] = await Promise.all([onnx.classify(crops), tfjs.classify(crops)]);
      let probabilities = 0;
      let embedding = 0;
      a.probabilities.forEach((value, index) => (probabilities = Math.max(probabilities, Math.abs(value - b.probabilities[index]))));
      a.embedding.forEach((value, index) => (embedding = Math.max(embedding, Math.abs(value - b.embedding[index]))));
      expect(probabilities).toBeLessThanOrEqual(1e-4);
      expect(embedding).toBeLessThanOrEqual(1e-3);
    } finally {
      await onnx.dispose();
      await tfjs.dispose();
    }
  });

  it('refuses a stale export: "onnx" fails, "auto" says why and runs TF.js', async () => {
    const stale = await copyDefaultModel(path.join(root, 'stale'), { onnx: true });
    // The TF.js weights change after the export: one more byte in model.json is enough.
    await appendFile(path.join(stale, 'model.json'), ' ');
    expect(await failure(loadRunner({ modelDir: stale, runtime: 'onnx', backend: 'wasm' }, silent))).toMatch(
      /^cannot load the ONNX export of model "skinlesion-default": .*model.onnx was exported from another version of the TF.js model \(sha256:[0-9a-f]+\): re-export it/,
    );
    const { log, records } = recordingLogger();
    const runner = await loadRunner({ modelDir: stale, runtime: 'auto', backend: 'wasm' }, log);
    try {
      expect(runner.runtime).toBe('tfjs');
      const warning = records.find((record) => record.msg === 'ONNX Runtime unusable for this model: running it on TF.js');
      expect(warning?.level).toBe(40);
      expect(warning?.err?.message).toMatch(/exported from another version/);
    } finally {
      await runner.dispose();
    }
  });

  it('without an ONNX export in the manifest: "auto" runs TF.js, "onnx" refuses', async () => {
    const plain = await copyDefaultModel(path.join(root, 'plain'), { onnx: false });
    const runner = await loadRunner({ modelDir: plain, runtime: 'auto', backend: 'wasm' }, silent);
    expect(runner.runtime).toBe('tfjs');
    await runner.dispose();
    expect(await failure(loadRunner({ modelDir: plain, runtime: 'onnx', backend: 'wasm' }, silent))).toBe(
      `CLASSIFIER_RUNTIME=onnx, but ${plain}/manifest.json names no ONNX export (onnx.modelPath)`,
    );
  });
});
