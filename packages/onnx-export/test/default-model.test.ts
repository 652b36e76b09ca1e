import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { SOURCE_FINGERPRINT_KEY } from '@skinlesion/model-manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModelDir, type ModelDirExport } from '../src/model-dir.js';
import { decodeModel } from '../src/onnx-proto.js';
import { readLayersModel } from '../src/tfjs-artifacts.js';
import { maxAbsDifference, runOnnx, useWasm } from './fixtures/harness.js';
import { checkOnnxFiles, isicCrops, isicImages, pythonHas } from './fixtures/python.js';

const MODEL_DIR = fileURLToPath(new URL('../../../services/classifier/models/default', import.meta.url));
const shipped = existsSync(path.join(MODEL_DIR, 'manifest.json'));
const CROPS = 32;
/** The requirement for the shipped export. */
const PROBABILITY_TOLERANCE = 1e-4;

/** Smooth skin-like crops with a dark blob and sensor noise, seeded: the other half of the test set. */
function syntheticCrops(count: number, size: number): Uint8Array {
  const data = new Uint8Array(count * size * size * 3);
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let crop = 0; crop < count; crop += 1) {
    const skin = [170 + 60 * random(), 110 + 60 * random(), 80 + 60 * random()];
    const blob = { x: size * (0.2 + 0.6 * random()), y: size * (0.2 + 0.6 * random()), r: size * (0.05 + 0.3 * random()), depth: 0.3 + 0.6 * random() };
    for (let y = 0; y < size; y += 1) {
      for (let x = 0; x < size; x += 1) {
        const inside = Math.exp(-((x - blob.x) ** 2 + (y - blob.y) ** 2) / (2 * blob.r ** 2));
        const shade = 1 - blob.depth * inside + 0.1 * (y / size - 0.5);
        for (let c = 0; c < 3; c += 1) {
          const value = skin[c] * shade + 12 * (random() - 0.5);
          data[((crop * size + y) * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
      }
    }
  }
  return data;
}

describe.skipIf(!shipped)('the default model exported to ONNX', () => {
  let exported: ModelDirExport;
  let input: Float32Array;
  let reference: { probabilities: Float32Array; embedding: Float32Array };
  let root: string;
  const size = () => exported.manifest.inputSize;

  beforeAll(async () => {
    await useWasm();
    root = await mkdtemp(path.join(tmpdir(), 'onnx-export-default-'));
    exported = await exportModelDir(MODEL_DIR);
    const { inputSize, scaling } = exported.manifest;
    expect(scaling).toBe('unit');
    const images = isicImages(CROPS / 4);
    const real = pythonHas('cv2') ? isicCrops(images, inputSize) : new Uint8Array(0);
    const pixels = new Uint8Array(CROPS * inputSize * inputSize * 3);
    pixels.set(real);
    const realCount = real.length / (inputSize * inputSize * 3);
    pixels.set(syntheticCrops(CROPS - realCount, inputSize), real.length);
    // The manifest's unit scaling, as the classifier applies it before either runtime.
    input = Float32Array.from(pixels, (value) => value / 255);

    const artifacts = await readLayersModel(path.join(MODEL_DIR, exported.manifest.modelPath));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: artifacts.modelTopology as object, weightSpecs: [...artifacts.weightSpecs] as tf.io.WeightsManifestEntry[], weightData: artifacts.weightData.slice().buffer }),
    );
    const { probabilities, embedding } = exported.manifest.outputs;
    const both = tf.model({ inputs: model.inputs, outputs: [model.getLayer(probabilities).output as tf.SymbolicTensor, model.getLayer(embedding).output as tf.SymbolicTensor] });
    const [p, e] = tf.tidy(() => (both.predict(tf.tensor4d(input, [CROPS, inputSize, inputSize, 3])) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array));
    reference = { probabilities: p, embedding: e };
    model.dispose();
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it(`gives TF.js's probabilities to within ${PROBABILITY_TOLERANCE} on ${CROPS} crops (ISIC and synthetic), and close embeddings`, async () => {
    const outputs = await runOnnx(exported.bytes, { input: { data: input, dims: [CROPS, size(), size(), 3] } });
    const probabilityDifference = maxAbsDifference(reference.probabilities, outputs['probabilities']);
    const embeddingDifference = maxAbsDifference(reference.embedding, outputs['embedding']);
    const embeddingScale = reference.embedding.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    console.info(
      `default model parity on ${CROPS} crops: max |dp| = ${probabilityDifference.toExponential(2)}, max |de| = ${embeddingDifference.toExponential(2)} (embedding values up to ${embeddingScale.toFixed(2)}); ${(exported.bytes.byteLength / 1e6).toFixed(2)} MB`,
    );
    expect(probabilityDifference).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    expect(embeddingDifference).toBeLessThanOrEqual(1e-4 * Math.max(1, embeddingScale));
    // The crops are not all one class: the comparison covers varied outputs.
    const winners = new Set(Array.from({ length: CROPS }, (_, crop) => {
      const row = Array.from(reference.probabilities.subarray(crop * 6, crop * 6 + 6));
      return row.indexOf(Math.max(...row));
    }));
    expect(winners.size).toBeGreaterThan(1);
  });

  it('keeps float16 weights as float16 (a smaller file) and records the source fingerprint', () => {
    const { report } = exported;
    expect(report.input).toEqual({ name: 'input', shape: ['N', size(), size(), 3] });
    expect(report.outputs).toEqual([
      { name: 'probabilities', shape: ['N', 6] },
      { name: 'embedding', shape: ['N', exported.manifest.embeddingSize] },
    ]);
    const model = decodeModel(exported.bytes);
    expect(model.opset_import).toEqual([{ domain: '', version: 13 }]);
    expect(model.metadata_props).toContainEqual({ key: SOURCE_FINGERPRINT_KEY, value: exported.fingerprint });
    // The file is the weights plus a few kB of graph.
    expect(exported.bytes.byteLength).toBeLessThan(report.weightBytes.float32 + report.weightBytes.float16 + 100_000);
  });

  it.skipIf(!pythonHas('onnx'))("passes the ONNX project's checker (full check)", async () => {
    const file = path.join(root, 'default.onnx');
    await writeFile(file, exported.bytes);
    expect(checkOnnxFiles([file])).toEqual([`ok ${file}`]);
  });

  const committed = path.join(MODEL_DIR, 'model.onnx');
  it.skipIf(!existsSync(committed))('ships model.onnx exported from the current TF.js files (else: run the exporter)', async () => {
    const bytes = new Uint8Array(await readFile(committed));
    const recorded = decodeModel(bytes).metadata_props.find((entry) => entry.key === SOURCE_FINGERPRINT_KEY)?.value;
    expect(recorded, `${committed} is stale: re-export with node packages/onnx-export/dist/cli.js --model services/classifier/models/default`).toBe(exported.fingerprint);
    const outputs = await runOnnx(bytes, { input: { data: input, dims: [CROPS, size(), size(), 3] } });
    expect(maxAbsDifference(reference.probabilities, outputs['probabilities'])).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
  });
});
