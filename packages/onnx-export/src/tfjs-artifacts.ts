import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { modelFingerprint, weightShardPaths } from '@skinlesion/model-manifest';

/** One entry of model.json's weightsManifest[].weights (TF.js's WeightsManifestEntry). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Set by tensorflowjs_converter --quantize_*: stored smaller, restored to float32 at load. */
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

/** A TF.js layers model in memory: the topology and every weight shard joined in order. */
export interface LayersModelArtifacts {
  readonly modelTopology: unknown;
  readonly weightSpecs: readonly WeightSpec[];
  readonly weightData: Uint8Array;
}

/**
 * A weight as the exporter keeps it. float16 weights stay float16 (the graph casts them), since
 * their float32 values are exactly the float16 ones: nothing is lost and the file stays half the
 * size. Every other encoding becomes the float32 values TF.js computes when it loads the model.
 */
export type Weight =
  | { readonly name: string; readonly shape: readonly number[]; readonly encoding: 'float32'; readonly values: Float32Array }
  | { readonly name: string; readonly shape: readonly number[]; readonly encoding: 'float16'; readonly values: Uint16Array };

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Bytes per stored element, by quantization dtype (none = float32). */
const STORED_BYTES: Readonly<Record<string, number>> = { float32: 4, float16: 2, uint16: 2, uint8: 1 };

/** A copy of bytes [start, end) in a buffer of its own, viewable as any typed array (Buffer#slice would share memory). */
function aligned(data: Uint8Array, start: number, end: number): ArrayBuffer {
  return new Uint8Array(data.subarray(start, end)).buffer;
}

/**
 * Splits the joined weight data into named weights, as TF.js's decodeWeights does: entries are
 * stored one after the other in manifest order, float32 or quantized (float16, or uint8/uint16
 * with value = q * scale + min). TF.js writes host-order bytes, little-endian on every platform
 * it runs on.
 */
export function decodeWeights(specs: readonly WeightSpec[], data: Uint8Array): Map<string, Weight> {
  const weights = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') throw new Error(`weight "${spec.name}" has dtype ${spec.dtype}; a layers model's weights are float32`);
    const count = elementCount(spec.shape);
    const stored = spec.quantization?.dtype ?? 'float32';
    const bytesPerElement = STORED_BYTES[stored];
    if (bytesPerElement === undefined) throw new Error(`weight "${spec.name}" is quantized as ${stored}, which TF.js layers models do not use`);
    const end = offset + count * bytesPerElement;
    if (end > data.byteLength) {
      throw new Error(`the weight shards hold ${data.byteLength} bytes, fewer than the ${end} that weight "${spec.name}" needs`);
    }
    const shape = [...spec.shape];
    if (stored === 'float32') {
      weights.set(spec.name, { name: spec.name, shape, encoding: 'float32', values: new Float32Array(aligned(data, offset, end)) });
    } else if (stored === 'float16') {
      weights.set(spec.name, { name: spec.name, shape, encoding: 'float16', values: new Uint16Array(aligned(data, offset, end)) });
    } else {
      const { scale, min } = spec.quantization ?? {};
      if (typeof scale !== 'number' || typeof min !== 'number') throw new Error(`weight "${spec.name}" is quantized as ${stored} without scale and min`);
      const quantized = stored === 'uint8' ? data.subarray(offset, end) : new Uint16Array(aligned(data, offset, end));
      // Float32Array.from rounds q * scale + min once, from a double: the value TF.js computes.
      weights.set(spec.name, { name: spec.name, shape, encoding: 'float32', values: Float32Array.from(quantized, (q) => q * scale + min) });
    }
    offset = end;
  }
  if (offset !== data.byteLength) {
    throw new Error(`the weight shards hold ${data.byteLength} bytes, but the weights manifest describes ${offset}`);
  }
  return weights;
}

/** IEEE 754 half -> single precision, exactly (every float16 value is a float32 value). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x03ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export interface ModelFiles extends LayersModelArtifacts {
  /** modelFingerprint of model.json and its shards. */
  readonly fingerprint: string;
}

/** Reads a TF.js model.json (a layers model) and its weight shards from disk. */
export async function readLayersModel(modelJsonPath: string): Promise<ModelFiles> {
  const folder = path.dirname(path.resolve(modelJsonPath));
  const modelJsonBytes = await readFile(modelJsonPath);
  let json: { modelTopology?: unknown; weightsManifest?: { weights?: WeightSpec[] }[]; format?: string };
  try {
    json = JSON.parse(modelJsonBytes.toString('utf8')) as typeof json;
  } catch (error) {
    throw new Error(`${modelJsonPath} is not valid JSON`, { cause: error });
  }
  if (json.modelTopology == null) throw new Error(`${modelJsonPath} has no modelTopology: not a TF.js model.json`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`${modelJsonPath} is a TF.js ${json.format}; the exporter reads layers models (format "layers-model")`);
  }
  const shards = await Promise.all(
    weightShardPaths(json).map((shard) => {
      const file = path.resolve(folder, shard);
      if (!file.startsWith(folder + path.sep)) throw new Error(`weight file "${shard}" lies outside the model folder ${folder}`);
      return readFile(file);
    }),
  );
  return {
    modelTopology: json.modelTopology,
    weightSpecs: (json.weightsManifest ?? []).flatMap((group) => group.weights ?? []),
    weightData: Buffer.concat(shards),
    fingerprint: modelFingerprint(modelJsonBytes, shards),
  };
}
