import { layerError, type ConversionContext, type Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';
import { numberField, requireRank, single } from './config.js';

/**
 * BatchNormalization at inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma +
 * beta over the channel axis, which must be the last one (Keras's default). ONNX normalises
 * axis 1, which is where the channels of an NCHW or [N, C] value are.
 */
export function batchNormalizationLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const input = single(layer, inputs);
  requireRank(layer, input, [2, 4]);
  const rank = input.shape.length;
  const axis = numberField(layer, 'axis', -1);
  if (axis !== -1 && axis !== rank - 1) throw layerError(layer, `normalising axis ${axis} is not supported, only the channel (last) axis`);
  const channels = input.shape[rank - 1];
  if (channels === null) throw layerError(layer, 'the number of channels must be known');
  const x = rank === 4 ? ctx.toNchw(input, layer.name) : input;
  const scale = layer.config['scale'] === false ? ctx.constant(layer, 'gamma', new Float32Array(channels).fill(1)) : ctx.weight(layer, 'gamma');
  const bias = layer.config['center'] === false ? ctx.constant(layer, 'beta', new Float32Array(channels)) : ctx.weight(layer, 'beta');
  const name = ctx.graph.node(
    'BatchNormalization',
    [x.name, scale, bias, ctx.weight(layer, 'moving_mean'), ctx.weight(layer, 'moving_variance')],
    [attr.float('epsilon', numberField(layer, 'epsilon', 1e-3))],
    layer.name,
  );
  return { ...x, name };
}
