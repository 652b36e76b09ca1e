import { layerError } from '../context.js';
import type { LayerSpec } from '../topology.js';

export type Padding = 'valid' | 'same';

export interface AxisGeometry {
  /** Output size, or null when the input size is unknown. */
  readonly size: number | null;
  readonly padBegin: number;
  readonly padEnd: number;
}

export function paddingField(layer: LayerSpec): Padding {
  const padding = layer.config['padding'] ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw layerError(layer, `padding ${JSON.stringify(padding)} is not supported, only "valid" and "same"`);
  return padding;
}

/**
 * One spatial axis of a convolution or pooling window, with TensorFlow's padding rules:
 * "valid" pads nothing; "same" gives ceil(size / stride) outputs and pads the total needed,
 * the odd pixel at the end (bottom/right), which ONNX expresses as explicit begin/end pads.
 */
export function axisGeometry(
  layer: LayerSpec,
  size: number | null,
  kernel: number,
  stride: number,
  dilation: number,
  padding: Padding,
): AxisGeometry {
  const extent = (kernel - 1) * dilation + 1;
  if (padding === 'valid') {
    if (size === null) return { size: null, padBegin: 0, padEnd: 0 };
    const out = Math.floor((size - extent) / stride) + 1;
    if (out < 1) throw layerError(layer, `a window of ${extent} px does not fit an input of ${size} px`);
    return { size: out, padBegin: 0, padEnd: 0 };
  }
  if (size === null) {
    if (stride !== 1) throw layerError(layer, '"same" padding with a stride needs a fixed input size');
    const total = extent - 1;
    return { size: null, padBegin: Math.floor(total / 2), padEnd: total - Math.floor(total / 2) };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + extent - size, 0);
  return { size: out, padBegin: Math.floor(total / 2), padEnd: total - Math.floor(total / 2) };
}
