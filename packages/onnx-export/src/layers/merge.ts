import { layerError, type ConversionContext, type Value } from '../context.js';
import { attr } from '../graph-builder.js';
import type { LayerSpec } from '../topology.js';

/** Brings every input to one layout (NCHW when rank 4) and checks that the shapes agree. */
function aligned(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext, exceptAxis?: number): Value[] {
  if (inputs.length < 2) throw layerError(layer, `expects at least two inputs, got ${inputs.length}`);
  const rank = inputs[0].shape.length;
  const mismatch = inputs.find(
    (input) => input.shape.length !== rank || input.shape.some((dim, axis) => axis !== exceptAxis && dim !== null && inputs[0].shape[axis] !== null && dim !== inputs[0].shape[axis]),
  );
  if (mismatch !== undefined) {
    const shapes = inputs.map((input) => `[${input.shape.map((d) => d ?? '?').join(', ')}]`).join(', ');
    throw layerError(layer, `inputs of different shapes (${shapes}) are not supported`);
  }
  return inputs.map((input) => (rank === 4 ? ctx.toNchw(input, layer.name) : input));
}

/** An n-ary elementwise op, as one node when ONNX has a variadic form, else a chain. */
function elementwise(op: string, variadic: boolean) {
  return (layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value => {
    const values = aligned(layer, inputs, ctx);
    const names = values.map((value) => value.name);
    const name = variadic ? ctx.graph.node(op, names, [], layer.name) : names.slice(1).reduce((acc, next) => ctx.graph.node(op, [acc, next], [], layer.name), names[0]);
    return { ...values[0], name };
  };
}

export const addLayer = elementwise('Sum', true);
export const multiplyLayer = elementwise('Mul', false);
export const averageLayer = elementwise('Mean', true);
export const maximumLayer = elementwise('Max', true);
export const minimumLayer = elementwise('Min', true);

export function concatenateLayer(layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext): Value {
  const rawAxis = layer.config['axis'] ?? -1;
  if (typeof rawAxis !== 'number' || !Number.isInteger(rawAxis)) throw layerError(layer, `config axis must be an integer, got ${JSON.stringify(rawAxis)}`);
  const rank = inputs[0]?.shape.length ?? 0;
  const axis = rawAxis < 0 ? rank + rawAxis : rawAxis;
  if (axis === 0) throw layerError(layer, 'concatenating along the batch axis is not supported');
  const values = aligned(layer, inputs, ctx, axis);
  const sizes = values.map((value) => value.shape[axis]);
  const shape = [...values[0].shape];
  shape[axis] = sizes.every((size) => size !== null) ? (sizes as number[]).reduce((a, b) => a + b, 0) : null;
  const name = ctx.graph.node('Concat', values.map((value) => value.name), [attr.int('axis', ctx.storedAxis(values[0], axis, layer))], layer.name);
  return { name, shape, layout: values[0].layout };
}
