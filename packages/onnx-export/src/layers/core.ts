import { layerError, type ConversionContext, type Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';
import { configuredActivation } from './activations.js';
import { numberField, requireChannelsLast, requireRank, single } from './config.js';

/**
 * Dense: x . kernel + bias over the last axis. On [N, features] it is one Gemm; on higher ranks
 * (Keras applies it to the last axis) a MatMul and an Add on the channels-last value.
 */
export function denseLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  const units = numberField(layer, 'units');
  const kernel = ctx.weight(layer, 'kernel');
  const bias = layer.config['use_bias'] === false ? undefined : ctx.weight(layer, 'bias');
  const shape = [...input.shape.slice(0, -1), units];
  let name: string;
  if (input.shape.length === 2) {
    name = ctx.graph.node('Gemm', bias === undefined ? [input.name, kernel] : [input.name, kernel, bias], [], layer.name);
  } else {
    const x = ctx.toNative(input, layer.name);
    name = ctx.graph.node('MatMul', [x.name, kernel], [], layer.name);
    if (bias !== undefined) name = ctx.graph.node('Add', [name, bias], [], layer.name);
  }
  return configuredActivation(ctx, layer, { name, shape, layout: 'native' });
}

/** Dropout and its kin do nothing at inference. */
export function identityLayer(layer: LayerSpec, inputs: readonly Value[]): Value {
  return single(layer, inputs);
}

/** Flatten in Keras's (channels-last) order: [N, ...] -> [N, product]. */
export function flattenLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  if (input.shape.length <= 2) return input;
  const rest = input.shape.slice(1);
  const size = rest.every((dim) => dim !== null) ? (rest as number[]).reduce((a, b) => a * b, 1) : null;
  const x = ctx.toNative(input, layer.name);
  return { name: ctx.graph.node('Flatten', [x.name], [attr.int('axis', 1)], layer.name), shape: [input.shape[0], size], layout: 'native' };
}

/** ZeroPadding2D's padding: n, [rows, cols] or [[top, bottom], [left, right]]. */
function paddingOf(layer: LayerSpec): [number, number, number, number] {
  const padding = layer.config['padding'] ?? 1;
  const isInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
  if (isInt(padding)) return [padding, padding, padding, padding];
  if (Array.isArray(padding) && padding.length === 2) {
    const [rows, cols] = padding as unknown[];
    if (isInt(rows) && isInt(cols)) return [rows, rows, cols, cols];
    if (Array.isArray(rows) && Array.isArray(cols) && rows.length === 2 && cols.length === 2 && [...rows, ...cols].every(isInt)) {
      return [rows[0], rows[1], cols[0], cols[1]] as [number, number, number, number];
    }
  }
  throw layerError(layer, `config padding must be n, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`);
}

export function zeroPadding2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  requireChannelsLast(layer);
  requireRank(layer, input, [4]);
  const [top, bottom, left, right] = paddingOf(layer);
  const x = ctx.toNchw(input, layer.name);
  // Opset 13 Pad: pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...] as an int64 input.
  const pads = ctx.graph.int64s(`${layer.name}/pads`, [8], [0, 0, top, left, 0, 0, bottom, right]);
  const grow = (dim: number | null, extra: number) => (dim === null ? null : dim + extra);
  return {
    name: ctx.graph.node('Pad', [x.name, pads], [attr.string('mode', 'constant')], layer.name),
    shape: [input.shape[0], grow(input.shape[1], top + bottom), grow(input.shape[2], left + right), input.shape[3]],
    layout: 'nchw',
  };
}

/** Rescaling: x * scale + offset, with TF.js's scalar scale and offset. */
export function rescalingLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  const scale = numberField(layer, 'scale');
  const offset = numberField(layer, 'offset', 0);
  const scaled = ctx.graph.node('Mul', [input.name, ctx.graph.scalar(scale)], [], layer.name);
  return { ...input, name: ctx.graph.node('Add', [scaled, ctx.graph.scalar(offset)], [], layer.name) };
}
