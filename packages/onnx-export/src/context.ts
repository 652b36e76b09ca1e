import { ExportError } from './errors.js';
import { attr, type GraphBuilder } from './graph-builder.js';
import { DataType } from './onnx-proto.js';
import { permute } from './permute.js';
import type { Weight } from './tfjs-artifacts.js';
import { float16ToFloat32 } from './tfjs-artifacts.js';
import type { LayerSpec } from './topology.js';

/**
 * Where a value's axes are. Keras tensors are channels-last; ONNX's Conv and pooling operators
 * are channels-first. Rank-4 values therefore live as NCHW inside the graph ('nchw': logical
 * [N, H, W, C] stored as [N, C, H, W]), converted once at the input and only where a layer needs
 * channels-last again; every other value is stored as Keras shapes it ('native').
 */
export type Layout = 'nchw' | 'native';

/** Logical (Keras) shape: batch first as null, other dimensions null when unknown. */
export type Shape = readonly (number | null)[];

export interface Value {
  readonly name: string;
  readonly shape: Shape;
  readonly layout: Layout;
}

/** Keep float16 weights as float16 (exact, half the bytes), or write every weight as float32. */
export type WeightPrecision = 'source' | 'float32';

/** Logical NHWC axis -> stored NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

export function layerError(layer: LayerSpec, problem: string): ExportError {
  return new ExportError(`layer "${layer.name}" (${layer.className}): ${problem}`);
}

/** What layer converters work with: the graph, the model's weights and the layout rules. */
export class ConversionContext {
  /** Stored bytes of the weights written, by encoding. */
  readonly weightBytes = { float32: 0, float16: 0 };
  /** One transpose per value and direction, however many layers consume it. */
  private readonly transposed = new Map<string, Value>();
  /** One initialiser per weight and layout, however many times its layer is applied. */
  private readonly written = new Map<string, string>();

  constructor(
    readonly graph: GraphBuilder,
    private readonly weights: ReadonlyMap<string, Weight>,
    private readonly precision: WeightPrecision,
  ) {}

  /**
   * The float32 value of a layer weight ("<layer>/<key>", TF.js's naming), its axes reordered by
   * perm and then given the dims asked for (same element count). float16 weights are stored as
   * such and cast in the graph; ONNX Runtime folds the cast into a float32 constant at load.
   */
  weight(layer: LayerSpec, key: string, options: { perm?: readonly number[]; dims?: readonly number[] } = {}): string {
    const cacheKey = JSON.stringify([layer.name, key, options.perm, options.dims]);
    let name = this.written.get(cacheKey);
    if (name === undefined) {
      name = this.writeWeight(layer, key, options);
      this.written.set(cacheKey, name);
    }
    return name;
  }

  private writeWeight(layer: LayerSpec, key: string, options: { perm?: readonly number[]; dims?: readonly number[] }): string {
    const weight = this.weights.get(`${layer.name}/${key}`);
    if (weight === undefined) throw layerError(layer, `the weights manifest has no "${layer.name}/${key}"`);
    const permuted = options.perm ? permute(weight.values, weight.shape, options.perm) : weight.values;
    const permutedShape = options.perm ? options.perm.map((axis) => weight.shape[axis]) : weight.shape;
    const dims = options.dims ?? permutedShape;
    if (dims.reduce((a, b) => a * b, 1) !== weight.values.length) {
      throw layerError(layer, `weight "${key}" of shape [${weight.shape.join(', ')}] cannot be laid out as [${dims.join(', ')}]`);
    }
    const base = `${layer.name}/${key}`;
    if (weight.encoding === 'float16' && this.precision === 'source') {
      this.weightBytes.float16 += permuted.byteLength;
      const half = this.graph.halves(`${base}_fp16`, dims, permuted as Uint16Array);
      return this.graph.node('Cast', [half], [attr.int('to', DataType.FLOAT)], base);
    }
    const values = weight.encoding === 'float16' ? Float32Array.from(permuted as Uint16Array, float16ToFloat32) : (permuted as Float32Array);
    this.weightBytes.float32 += values.byteLength;
    return this.graph.floats(base, dims, values);
  }

  /** A float32 constant made by the exporter (e.g. BatchNormalization's ones when scale is off). */
  constant(layer: LayerSpec, key: string, values: Float32Array): string {
    this.weightBytes.float32 += values.byteLength;
    return this.graph.floats(`${layer.name}/${key}`, [values.length], values);
  }

  /** The value as NCHW, transposing a channels-last rank-4 value. */
  toNchw(value: Value, hint: string): Value {
    if (value.layout === 'nchw') return value;
    if (value.shape.length !== 4) throw new Error(`internal error: ${value.name} is rank ${value.shape.length}, not 4`);
    return this.transpose(value, 'nchw', TO_NCHW, hint);
  }

  /** The value with Keras's own axis order. */
  toNative(value: Value, hint: string): Value {
    if (value.layout === 'native') return value;
    return this.transpose(value, 'native', TO_NHWC, hint);
  }

  private transpose(value: Value, layout: Layout, perm: readonly number[], hint: string): Value {
    const key = `${layout}:${value.name}`;
    let result = this.transposed.get(key);
    if (result === undefined) {
      result = { ...value, layout, name: this.graph.node('Transpose', [value.name], [attr.ints('perm', perm)], hint) };
      this.transposed.set(key, result);
    }
    return result;
  }

  /** The stored axis of logical axis `axis` (negative counts from the end, as in Keras). */
  storedAxis(value: Value, axis: number, layer: LayerSpec): number {
    const rank = value.shape.length;
    const logical = axis < 0 ? rank + axis : axis;
    if (!Number.isInteger(logical) || logical < 0 || logical >= rank) throw layerError(layer, `axis ${axis} does not exist in a rank-${rank} input`);
    return value.layout === 'nchw' ? NCHW_AXIS[logical] : logical;
  }
}
