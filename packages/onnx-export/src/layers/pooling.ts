import type { ConversionContext, Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';
import { pairField, requireChannelsLast, requireRank, single } from './config.js';
import { axisGeometry, paddingField } from './spatial.js';

function pool(op: 'MaxPool' | 'AveragePool', layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  requireChannelsLast(layer);
  requireRank(layer, input, [4]);
  const size = pairField(layer, 'pool_size', 2);
  // Keras: strides default to the pool size.
  const strides = layer.config['strides'] == null ? size : pairField(layer, 'strides');
  const padding = paddingField(layer);
  const rows = axisGeometry(layer, input.shape[1], size[0], strides[0], 1, padding);
  const cols = axisGeometry(layer, input.shape[2], size[1], strides[1], 1, padding);
  const attributes = [attr.ints('kernel_shape', size), attr.ints('strides', strides), attr.ints('pads', [rows.padBegin, cols.padBegin, rows.padEnd, cols.padEnd])];
  // TensorFlow averages over the pixels inside the image only, as ONNX does with count_include_pad 0.
  if (op === 'AveragePool') attributes.push(attr.int('count_include_pad', 0));
  const x = ctx.toNchw(input, layer.name);
  return { name: ctx.graph.node(op, [x.name], attributes, layer.name), shape: [input.shape[0], rows.size, cols.size, input.shape[3]], layout: 'nchw' };
}

export function maxPooling2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  return pool('MaxPool', layer, inputs, ctx);
}

export function averagePooling2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  return pool('AveragePool', layer, inputs, ctx);
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool', layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  requireChannelsLast(layer);
  requireRank(layer, input, [4]);
  const x = ctx.toNchw(input, layer.name);
  const pooled = ctx.graph.node(op, [x.name], [], layer.name);
  const [batch, , , channels] = input.shape;
  if (layer.config['keepdims'] === true) return { name: pooled, shape: [batch, 1, 1, channels], layout: 'nchw' };
  return { name: ctx.graph.node('Flatten', [pooled], [attr.int('axis', 1)], layer.name), shape: [batch, channels], layout: 'native' };
}

export function globalAveragePooling2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  return globalPool('GlobalAveragePool', layer, inputs, ctx);
}

export function globalMaxPooling2dLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  return globalPool('GlobalMaxPool', layer, inputs, ctx);
}
