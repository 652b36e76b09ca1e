import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type WeightEncoding = 'float32' | 'float16' | 'uint8';

/** Per-weight choice of storage; tf.js loaders dequantise all three on load. */
export type EncodingPolicy = (name: string, values: Float32Array) => WeightEncoding;

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'group1-shard1of1.bin';

export interface SavedModelFiles {
  readonly modelJsonBytes: number;
  readonly weightBytes: number;
  readonly encodings: Readonly<Record<WeightEncoding, number>>;
}

/**
 * Saves a layers model as model.json + one weight shard. tfjs-node's file:// handler is not
 * available with the wasm/cpu backends, so the artefacts come from a save handler and are
 * written here, each weight stored as `policy` says.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, policy: EncodingPolicy): Promise<SavedModelFiles> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts?.weightSpecs === undefined || artifacts.weightData === undefined) throw new Error('model save produced no weights');
  const data = new Float32Array(joinBuffers(artifacts.weightData));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  const encodings: Record<WeightEncoding, number> = { float32: 0, float16: 0, uint8: 0 };
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    if (spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = data.subarray(offset, offset + count);
    offset += count;
    const encoding = policy(spec.name, values);
    encodings[encoding]++;
    const encoded = encodeWeight(values, encoding);
    specs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', ...(encoded.quantization ? { quantization: encoded.quantization } : {}) });
    parts.push(encoded.bytes);
  }
  const weights = Buffer.concat(parts);
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  const jsonText = JSON.stringify(modelJson);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, WEIGHTS_FILE), weights);
  await writeFile(path.join(dir, MODEL_JSON), jsonText);
  return { modelJsonBytes: Buffer.byteLength(jsonText), weightBytes: weights.length, encodings };
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const joined = Buffer.concat(data.map((b) => new Uint8Array(b)));
  return joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
}

interface EncodedWeight {
  readonly bytes: Uint8Array;
  readonly quantization?: tf.io.WeightsManifestEntry['quantization'];
}

export function encodeWeight(values: Float32Array, encoding: WeightEncoding): EncodedWeight {
  switch (encoding) {
    case 'float32':
      return { bytes: new Uint8Array(Float32Array.from(values).buffer) };
    case 'float16': {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = toFloat16Bits(values[i] as number);
      return { bytes: new Uint8Array(half.buffer), quantization: { dtype: 'float16' } };
    }
    case 'uint8': {
      const { min, scale } = affineRange(values);
      const q = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) q[i] = Math.round(((values[i] as number) - min) / scale);
      return { bytes: q, quantization: { dtype: 'uint8', min, scale } };
    }
  }
}

/** Values as the loader will see them after dequantisation. */
export function roundTrip(values: Float32Array, encoding: WeightEncoding): Float32Array {
  if (encoding === 'float32') return Float32Array.from(values);
  if (encoding === 'float16') return values.map((v) => fromFloat16Bits(toFloat16Bits(v)));
  const { min, scale } = affineRange(values);
  return values.map((v) => Math.round((v - min) / scale) * scale + min);
}

function affineRange(values: Float32Array): { min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  return { min, scale };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float, rounding to nearest even (overflow saturates to infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
