import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportLayersModel } from '../src/export.js';
import { permute } from '../src/permute.js';
import { decodeWeights, float16ToFloat32, type LayersModelArtifacts, type WeightSpec } from '../src/tfjs-artifacts.js';
import { artifactsOf, maxAbsDifference, runOnnx, seededFloats, useWasm } from './fixtures/harness.js';

beforeAll(useWasm);

describe('float16ToFloat32', () => {
  it('decodes normals, subnormals, zeros, infinities and NaN exactly', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x3555)).toBe(0.333251953125);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });
});

describe('permute', () => {
  it('reorders axes like numpy.transpose, for float32 values and raw float16 bits', () => {
    // [2, 3] -> [3, 2]
    expect(Array.from(permute(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], [1, 0]))).toEqual([1, 4, 2, 5, 3, 6]);
    // HWIO [1, 2, 2, 3] -> OIHW [3, 2, 1, 2], over 12 distinct values.
    const hwio = Uint16Array.from({ length: 12 }, (_, index) => index);
    const oihw = permute(hwio, [1, 2, 2, 3], [3, 2, 0, 1]);
    expect(oihw).toBeInstanceOf(Uint16Array);
    // (o, i, h, w) reads source (h, w, i, o) at h * 12 + w * 6 + i * 3 + o.
    const expected: number[] = [];
    for (let o = 0; o < 3; o += 1) for (let i = 0; i < 2; i += 1) for (let w = 0; w < 2; w += 1) expected.push(w * 6 + i * 3 + o);
    expect(Array.from(oihw)).toEqual(expected);
    expect(() => permute(hwio, [1, 2, 2, 3], [0, 1, 1, 2])).toThrow(/does not fit/);
  });
});

/** Random float16 bit patterns of moderate magnitude (about 2^-6 .. 2^1), both signs. */
function halfBits(count: number, seed: number): Uint16Array {
  const noise = seededFloats(count * 2, seed, 0, 1);
  return Uint16Array.from({ length: count }, (_, index) => {
    const sign = noise[2 * index] < 0.5 ? 0x8000 : 0;
    const exponent = 9 + Math.floor(noise[2 * index + 1] * 7);
    return sign | (exponent << 10) | Math.floor(noise[2 * index] * 1024);
  });
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * The model's artifacts rewritten as tensorflowjs_converter --quantize_* would store them: conv
 * kernel float16, conv bias uint8 (q * scale + min), dense kernel uint16, dense bias float32.
 */
function quantized(artifacts: LayersModelArtifacts): LayersModelArtifacts {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const spec of artifacts.weightSpecs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.name.endsWith('conv/kernel')) {
      specs.push({ ...spec, quantization: { dtype: 'float16' } });
      parts.push(bytesOf(halfBits(count, 3)));
    } else if (spec.name.endsWith('conv/bias')) {
      specs.push({ ...spec, quantization: { dtype: 'uint8', scale: 0.0037, min: -0.41 } });
      parts.push(Uint8Array.from({ length: count }, (_, index) => (index * 73 + 11) % 256));
    } else if (spec.name.endsWith('dense/kernel')) {
      specs.push({ ...spec, quantization: { dtype: 'uint16', scale: 3.1e-5, min: -1.02 } });
      parts.push(bytesOf(Uint16Array.from({ length: count }, (_, index) => (index * 7919 + 5) % 65536)));
    } else {
      specs.push(spec);
      parts.push(bytesOf(seededFloats(count, 8)));
    }
  }
  const weightData = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  parts.reduce((offset, part) => (weightData.set(part, offset), offset + part.byteLength), 0);
  return { modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData };
}

describe('quantized weights', () => {
  let artifacts: LayersModelArtifacts;
  let reference: tf.LayersModel;
  const input = seededFloats(2 * 6 * 6 * 3, 21, 0, 1);

  beforeAll(async () => {
    const x = tf.input({ shape: [6, 6, 3] });
    const features = tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 5, kernelSize: 3, name: 'conv' }).apply(x)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 4, activation: 'softmax', name: 'dense' }).apply(features) as tf.SymbolicTensor });
    artifacts = quantized(await artifactsOf(model));
    // TF.js's own loader dequantizes the same bytes: the reference.
    reference = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology as object, weightSpecs: [...artifacts.weightSpecs] as tf.io.WeightsManifestEntry[], weightData: artifacts.weightData.slice().buffer }));
  });

  it('decodes float16, uint8 and uint16 entries to the values TF.js loads', () => {
    const decoded = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
    for (const weight of reference.weights) {
      const ours = decoded.get(weight.originalName ?? weight.name);
      expect(ours, weight.name).toBeDefined();
      const values = ours!.encoding === 'float16' ? Float32Array.from(ours!.values, float16ToFloat32) : ours!.values;
      expect(maxAbsDifference(values, weight.read().dataSync() as Float32Array), weight.name).toBe(0);
    }
    expect(decoded.get('conv/kernel')?.encoding).toBe('float16');
    expect(decoded.get('conv/bias')?.encoding).toBe('float32');
  });

  it.each(['source', 'float32'] as const)('exports with weight precision "%s" and agrees with TF.js', async (weightPrecision) => {
    const { bytes, report } = exportLayersModel(artifacts, { weightPrecision });
    const outputs = await runOnnx(bytes, { [report.input.name]: { data: input, dims: [2, 6, 6, 3] } });
    const expected = tf.tidy(() => (reference.predict(tf.tensor4d(input, [2, 6, 6, 3])) as tf.Tensor).dataSync());
    expect(maxAbsDifference(outputs[report.outputs[0].name], expected)).toBeLessThan(1e-6);
    // The 5 x 3 x 3 x 3 kernel: float16 bits in the file, or widened.
    expect(report.weightBytes.float16).toBe(weightPrecision === 'source' ? 135 * 2 : 0);
    expect(report.opTypes['Cast'] ?? 0).toBe(weightPrecision === 'source' ? 1 : 0);
  });

  it('refuses weight data that does not match its manifest', () => {
    const short = { ...artifacts, weightData: artifacts.weightData.subarray(0, artifacts.weightData.byteLength - 4) };
    expect(() => decodeWeights(short.weightSpecs, short.weightData)).toThrow(/the weight shards hold \d+ bytes, fewer than the \d+ that weight "dense\/bias" needs/);
    const long = new Uint8Array(artifacts.weightData.byteLength + 4);
    long.set(artifacts.weightData);
    expect(() => decodeWeights(artifacts.weightSpecs, long)).toThrow(/hold \d+ bytes, but the weights manifest describes \d+/);
    expect(() => decodeWeights([{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }], new Uint8Array(1))).toThrow(/without scale and min/);
    expect(() => decodeWeights([{ name: 'w', shape: [1], dtype: 'int32' }], new Uint8Array(4))).toThrow(/dtype int32/);
  });
});
