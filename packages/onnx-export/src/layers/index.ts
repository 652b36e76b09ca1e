import type { ConversionContext, Value } from '../context.js';
import type { LayerSpec } from '../topology.js';
import { activationLayer, leakyReluLayer, reluLayer, softmaxLayer } from './activations.js';
import { conv2dLayer, depthwiseConv2dLayer } from './conv.js';
import { denseLayer, flattenLayer, identityLayer, rescalingLayer, zeroPadding2dLayer } from './core.js';
import { addLayer, averageLayer, concatenateLayer, maximumLayer, minimumLayer, multiplyLayer } from './merge.js';
import { batchNormalizationLayer } from './normalization.js';
import { averagePooling2dLayer, globalAveragePooling2dLayer, globalMaxPooling2dLayer, maxPooling2dLayer } from './pooling.js';

/** Translates one application of a layer, given its input values, into graph nodes. */
export type LayerConverter = (layer: LayerSpec, inputs: readonly Value[], ctx: ConversionContext) => Value;

/**
 * Every layer type the exporter translates, by the class_name TF.js writes in model.json: those a
 * TF.js layers model can hold (TF.js must load the model, since it is the reference).
 */
export const LAYER_CONVERTERS: ReadonlyMap<string, LayerConverter> = new Map<string, LayerConverter>([
  ['Conv2D', conv2dLayer],
  ['DepthwiseConv2D', depthwiseConv2dLayer],
  ['BatchNormalization', batchNormalizationLayer],
  ['Dense', denseLayer],
  ['Activation', activationLayer],
  ['ReLU', reluLayer],
  ['LeakyReLU', leakyReluLayer],
  ['Softmax', softmaxLayer],
  ['Add', addLayer],
  ['Multiply', multiplyLayer],
  ['Average', averageLayer],
  ['Maximum', maximumLayer],
  ['Minimum', minimumLayer],
  ['Concatenate', concatenateLayer],
  ['ZeroPadding2D', zeroPadding2dLayer],
  ['MaxPooling2D', maxPooling2dLayer],
  ['AveragePooling2D', averagePooling2dLayer],
  ['GlobalAveragePooling2D', globalAveragePooling2dLayer],
  ['GlobalMaxPooling2D', globalMaxPooling2dLayer],
  ['Flatten', flattenLayer],
  ['Rescaling', rescalingLayer],
  // Noise and dropout act only in training.
  ['Dropout', identityLayer],
  ['AlphaDropout', identityLayer],
  ['GaussianDropout', identityLayer],
]);

/** InputLayer is handled by the exporter itself (it becomes the graph input). */
export const SUPPORTED_LAYER_TYPES: readonly string[] = ['InputLayer', ...LAYER_CONVERTERS.keys()];
