import { layerError, type ConversionContext, type Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';
import { configuredActivation } from './activations.js';
import { numberField, pairField, requireChannelsLast, requireRank, single } from './config.js';
import { axisGeometry, paddingField } from './spatial.js';

interface ConvWindow {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
}

function convolve(layer: LayerSpec, input: Value, ctx: ConversionContext, window: ConvWindow, weights: string[], group: number, channels: number): Value {
  const { kernel, strides, dilations } = window;
  if (dilations.some((d) => d !== 1) && strides.some((s) => s !== 1)) {
    throw layerError(layer, 'dilation and stride together are not supported (TF.js refuses them too)');
  }
  const padding = paddingField(layer);
  const rows = axisGeometry(layer, input.shape[1], kernel[0], strides[0], dilations[0], padding);
  const cols = axisGeometry(layer, input.shape[2], kernel[1], strides[1], dilations[1], padding);
  const x = ctx.toNchw(input, layer.name);
  const name = ctx.graph.node(
    'Conv',
    [x.name, ...weights],
    [
      attr.ints('kernel_shape', kernel),
      attr.ints('strides', strides),
      attr.ints('dilations', dilations),
      attr.ints('pads', [rows.padBegin, cols.padBegin, rows.padEnd, cols.padEnd]),
      attr.int('group', group),
    ],
    layer.name,
  );
  const output: Value = { name, shape: [input.shape[0], rows.size, cols.size, channels], layout: 'nchw' };
  return configuredActivation(ctx, layer, output);
}

function useBias(layer: LayerSpec): boolean {
  return layer.config['use_bias'] !== false;
}

function window(layer: LayerSpec): ConvWindow {
  return { kernel: pairField(layer, 'kernel_size'), strides: pairField(layer, 'strides', 1), dilations: pairField(layer, 'dilation_rate', 1) };
}

/** The channels-last rank-4 input of a convolution, and its number of channels. */
function convolutionInput(layer: LayerSpec, inputs: readonly Value[]): { input: Value; channels: number } {
  const input = single(layer, inputs);
  requireChannelsLast(layer);
  requireRank(layer, input, [4]);
  const channels = input.shape[3];
  if (channels === null) throw layerError(layer, 'the number of input channels must be known');
  return { input, channels };
}

/** Conv2D: kernel [kh, kw, in, out] -> ONNX weights [out, in, kh, kw]. */
export function conv2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const { input } = convolutionInput(layer, inputs);
  const groups = layer.config['groups'] ?? 1;
  if (groups !== 1) throw layerError(layer, `grouped convolution (groups = ${JSON.stringify(groups)}) is not supported`);
  const filters = numberField(layer, 'filters');
  const weights = [ctx.weight(layer, 'kernel', { perm: [3, 2, 0, 1] })];
  if (useBias(layer)) weights.push(ctx.weight(layer, 'bias'));
  return convolve(layer, input, ctx, window(layer), weights, 1, filters);
}

/**
 * DepthwiseConv2D: kernel [kh, kw, in, m] -> a grouped Conv with one group per input channel and
 * weights [in * m, 1, kh, kw]; output channel c * m + j is input channel c through filter j, the
 * order TensorFlow's depthwise convolution produces.
 */
export function depthwiseConv2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const { input, channels } = convolutionInput(layer, inputs);
  const multiplier = numberField(layer, 'depth_multiplier', 1);
  const [kh, kw] = pairField(layer, 'kernel_size');
  const weights = [ctx.weight(layer, 'depthwise_kernel', { perm: [2, 3, 0, 1], dims: [channels * multiplier, 1, kh, kw] })];
  if (useBias(layer)) weights.push(ctx.weight(layer, 'bias'));
  return convolve(layer, input, ctx, window(layer), weights, channels, channels * multiplier);
}
