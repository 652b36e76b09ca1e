import { layerError, type ConversionContext, type Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';
import { numberField, single, stringField } from './config.js';

/** The activation names a TF.js model.json can hold that the exporter translates. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softplus',
  'softsign',
  'softmax',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
] as const;

function unary(ctx: ConversionContext, value: Value, op: string, hint: string, attributes = [] as ReturnType<typeof attr.float>[]): Value {
  return { ...value, name: ctx.graph.node(op, [value.name], attributes, hint) };
}

function binary(ctx: ConversionContext, op: string, a: string, b: string, hint: string): string {
  return ctx.graph.node(op, [a, b], [], hint);
}

/** Clip between two constants, as opset 13 takes its bounds: as inputs. */
export function clip(ctx: ConversionContext, value: Value, min: number, max: number, hint: string): Value {
  return { ...value, name: ctx.graph.node('Clip', [value.name, ctx.graph.scalar(min), ctx.graph.scalar(max)], [], hint) };
}

/**
 * Applies a Keras activation as TF.js defines it (tfjs-layers activations): the ones ONNX has as
 * operators map to them; swish, mish and the two GELUs are composed from their formulas.
 */
export function applyActivation(ctx: ConversionContext, layer: LayerSpec, value: Value, activation: string): Value {
  const hint = layer.name;
  const { graph } = ctx;
  switch (activation) {
    case 'linear':
      return value;
    case 'relu':
      return unary(ctx, value, 'Relu', hint);
    case 'relu6':
      return clip(ctx, value, 0, 6, hint);
    case 'elu':
      return unary(ctx, value, 'Elu', hint, [attr.float('alpha', 1)]);
    case 'selu':
      // ONNX's default alpha and gamma are the SELU constants TF.js uses.
      return unary(ctx, value, 'Selu', hint);
    case 'sigmoid':
      return unary(ctx, value, 'Sigmoid', hint);
    case 'hard_sigmoid':
      // TF.js: clip(0.2 x + 0.5, 0, 1).
      return unary(ctx, value, 'HardSigmoid', hint, [attr.float('alpha', 0.2), attr.float('beta', 0.5)]);
    case 'tanh':
      return unary(ctx, value, 'Tanh', hint);
    case 'softplus':
      return unary(ctx, value, 'Softplus', hint);
    case 'softsign':
      return unary(ctx, value, 'Softsign', hint);
    case 'softmax':
      return unary(ctx, value, 'Softmax', hint, [attr.int('axis', ctx.storedAxis(value, -1, layer))]);
    case 'swish': {
      // x * sigmoid(x)
      const sigmoid = graph.node('Sigmoid', [value.name], [], hint);
      return { ...value, name: binary(ctx, 'Mul', value.name, sigmoid, hint) };
    }
    case 'mish': {
      // x * tanh(softplus(x))
      const softplus = graph.node('Softplus', [value.name], [], hint);
      const tanh = graph.node('Tanh', [softplus], [], hint);
      return { ...value, name: binary(ctx, 'Mul', value.name, tanh, hint) };
    }
    case 'gelu': {
      // x * 0.5 * (1 + erf(x / sqrt(2)))
      const erf = graph.node('Erf', [binary(ctx, 'Div', value.name, graph.scalar(Math.SQRT2), hint)], [], hint);
      const cdf = binary(ctx, 'Mul', graph.scalar(0.5), binary(ctx, 'Add', graph.scalar(1), erf, hint), hint);
      return { ...value, name: binary(ctx, 'Mul', value.name, cdf, hint) };
    }
    case 'gelu_new': {
      // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
      const cube = binary(ctx, 'Pow', value.name, graph.scalar(3), hint);
      const inner = binary(ctx, 'Add', value.name, binary(ctx, 'Mul', graph.scalar(0.044715), cube, hint), hint);
      const tanh = graph.node('Tanh', [binary(ctx, 'Mul', graph.scalar(Math.sqrt(2 / Math.PI)), inner, hint)], [], hint);
      const half = binary(ctx, 'Mul', graph.scalar(0.5), value.name, hint);
      return { ...value, name: binary(ctx, 'Mul', half, binary(ctx, 'Add', graph.scalar(1), tanh, hint), hint) };
    }
    default:
      throw layerError(layer, `activation "${activation}" is not supported (supported: ${ACTIVATIONS.join(', ')})`);
  }
}

/** The activation a layer's config names (Conv2D, Dense...), "linear" when it names none. */
export function configuredActivation(ctx: ConversionContext, layer: LayerSpec, value: Value): Value {
  return applyActivation(ctx, layer, value, stringField(layer, 'activation', 'linear'));
}

export function activationLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  return applyActivation(ctx, layer, single(layer, inputs), stringField(layer, 'activation'));
}

/** ReLU with TF.js's one option, max_value; Keras's negative_slope and threshold must be off. */
export function reluLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const value = single(layer, inputs);
  for (const key of ['negative_slope', 'threshold']) {
    const option = layer.config[key];
    if (option != null && option !== 0) throw layerError(layer, `config ${key} = ${JSON.stringify(option)} is not supported (TF.js ignores it; only 0)`);
  }
  const max = layer.config['max_value'];
  if (max == null) return unary(ctx, value, 'Relu', layer.name);
  return clip(ctx, value, 0, numberField(layer, 'max_value'), layer.name);
}

export function leakyReluLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  // TF.js's default slope is 0.3, as in Keras.
  return unary(ctx, single(layer, inputs), 'LeakyRelu', layer.name, [attr.float('alpha', numberField(layer, 'alpha', 0.3))]);
}

export function softmaxLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const value = single(layer, inputs);
  // TF.js's Softmax layer defaults to axis 1 when its config names none.
  const axis = layer.config['axis'] ?? 1;
  if (typeof axis !== 'number') throw layerError(layer, `softmax over several axes (${JSON.stringify(axis)}) is not supported`);
  return unary(ctx, value, 'Softmax', layer.name, [attr.int('axis', ctx.storedAxis(value, axis, layer))]);
}
