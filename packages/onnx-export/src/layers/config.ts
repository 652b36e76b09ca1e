import { layerError, type Value } from '../context.js';
import type { LayerSpec } from '../topology.js';

/** Readers for Keras layer config fields, failing with the layer's name when a field is off. */

export function numberField(layer: LayerSpec, key: string, fallback?: number): number {
  const value = layer.config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw layerError(layer, `config ${key} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

export function stringField(layer: LayerSpec, key: string, fallback?: string): string {
  const value = layer.config[key] ?? fallback;
  if (typeof value !== 'string') throw layerError(layer, `config ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A (height, width) pair given as one number or two. */
export function pairField(layer: LayerSpec, key: string, fallback?: number | readonly number[]): [number, number] {
  const value = layer.config[key] ?? fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => Number.isInteger(v))) return [value[0] as number, value[1] as number];
  throw layerError(layer, `config ${key} must be an integer or a pair of integers, got ${JSON.stringify(value)}`);
}

/** Keras's channels_last is the only layout TF.js computes on the CPU; refuse the other. */
export function requireChannelsLast(layer: LayerSpec): void {
  const format = layer.config['data_format'] ?? 'channels_last';
  if (format !== 'channels_last') throw layerError(layer, `data_format ${JSON.stringify(format)} is not supported, only "channels_last"`);
}

export function requireRank(layer: LayerSpec, value: Value, ranks: readonly number[]): void {
  if (!ranks.includes(value.shape.length)) {
    throw layerError(layer, `expects a rank-${ranks.join(' or ')} input, got shape [${value.shape.map((d) => d ?? '?').join(', ')}]`);
  }
}

export function single(layer: LayerSpec, inputs: readonly Value[]): Value {
  if (inputs.length !== 1) throw layerError(layer, `expects one input, got ${inputs.length}`);
  return inputs[0];
}
