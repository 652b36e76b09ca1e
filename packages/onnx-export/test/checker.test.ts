import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLayersModel } from '../src/export.js';
import { ACTIVATIONS } from '../src/layers/activations.js';
import { SUPPORTED_LAYER_TYPES } from '../src/layers/index.js';
import type { LayersModelArtifacts } from '../src/tfjs-artifacts.js';
import { artifactsOf, useWasm } from './fixtures/harness.js';
import { checkOnnxFiles, pythonHas } from './fixtures/python.js';

/** One model with every supported layer type and activation, so that one checker run covers them. */
function everyLayer(): tf.LayersModel {
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(input) as tf.SymbolicTensor;
  const input = tf.input({ shape: [12, 12, 3], name: 'image' });
  let x = apply(tf.layers.rescaling({ scale: 1 / 255 }), input);
  x = apply(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), x);
  x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'conv' }), x);
  x = apply(tf.layers.batchNormalization({}), x);
  x = apply(tf.layers.reLU({ maxValue: 6 }), x);
  const depthwise = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), x);
  const branches = [x, apply(tf.layers.leakyReLU({}), depthwise), apply(tf.layers.conv2d({ filters: 8, kernelSize: 1 }), depthwise)];
  const merged = [tf.layers.add({}), tf.layers.multiply({}), tf.layers.average({}), tf.layers.maximum({}), tf.layers.minimum({})].map((layer) => apply(layer, branches));
  let y = apply(tf.layers.concatenate({}), merged);
  y = apply(tf.layers.dropout({ rate: 0.1 }), y);
  y = apply(tf.layers.alphaDropout({ rate: 0.1 }), y);
  y = apply(tf.layers.gaussianDropout({ rate: 0.1 }), y);
  const pooled = [
    apply(tf.layers.flatten({}), apply(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), y)),
    apply(tf.layers.flatten({}), apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 2 }), y)),
    apply(tf.layers.globalAveragePooling2d({}), y),
    apply(tf.layers.globalMaxPooling2d({}), y),
  ];
  const features = apply(tf.layers.concatenate({}), pooled);
  const identifiers: Record<string, string> = { hard_sigmoid: 'hardSigmoid' };
  const heads = ACTIVATIONS.map((activation) =>
    apply(tf.layers.dense({ units: 3, activation: (identifiers[activation] ?? activation) as 'relu', name: `head_${activation}` }), features),
  );
  const outputs = [...heads, apply(tf.layers.softmax({}), features), apply(tf.layers.activation({ activation: 'tanh' }), features)];
  return tf.model({ inputs: input, outputs });
}

/** The same artifacts with the first convolution's kernel stored as float16 (1.0 everywhere). */
function withHalfKernel(artifacts: LayersModelArtifacts): LayersModelArtifacts {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const specs = artifacts.weightSpecs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const stored = artifacts.weightData.subarray(offset, offset + count * 4);
    offset += count * 4;
    if (spec.name !== 'conv/kernel') {
      parts.push(stored);
      return spec;
    }
    parts.push(new Uint8Array(new Uint16Array(count).fill(0x3c00).buffer));
    return { ...spec, quantization: { dtype: 'float16' } };
  });
  const weightData = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  parts.reduce((at, part) => (weightData.set(part, at), at + part.byteLength), 0);
  return { ...artifacts, weightSpecs: specs, weightData };
}

describe.skipIf(!pythonHas('onnx'))("the ONNX project's checker", () => {
  let root: string;
  let artifacts: LayersModelArtifacts;

  beforeAll(async () => {
    await useWasm();
    root = await mkdtemp(path.join(tmpdir(), 'onnx-export-checker-'));
    artifacts = withHalfKernel(await artifactsOf(everyLayer()));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('accepts a model with every supported layer type and activation, float16 weights kept or widened', async () => {
    const classNames = new Set(
      ((artifacts.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers).map((layer) => layer.class_name),
    );
    expect([...SUPPORTED_LAYER_TYPES].filter((type) => !classNames.has(type))).toEqual([]);
    const files: string[] = [];
    for (const weightPrecision of ['source', 'float32'] as const) {
      const { bytes, report } = exportLayersModel(artifacts, { weightPrecision });
      expect(report.weightBytes.float16 > 0).toBe(weightPrecision === 'source');
      const file = path.join(root, `every-layer-${weightPrecision}.onnx`);
      await writeFile(file, bytes);
      files.push(file);
    }
    expect(checkOnnxFiles(files)).toEqual(files.map((file) => `ok ${file}`));
  });
});
