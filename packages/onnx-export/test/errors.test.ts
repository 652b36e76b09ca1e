import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExportError, UnsupportedLayerError } from '../src/errors.js';
import { exportLayersModel } from '../src/export.js';
import type { LayersModelArtifacts } from '../src/tfjs-artifacts.js';
import { parseTopology } from '../src/topology.js';
import { artifactsOf, useWasm } from './fixtures/harness.js';

type LayerJson = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] };

let small: LayersModelArtifacts;

beforeAll(async () => {
  await useWasm();
  const input = tf.input({ shape: [6, 6, 3], name: 'image' });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input) as tf.SymbolicTensor;
  const relu = tf.layers.reLU({ name: 'relu' }).apply(conv) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(relu) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 6, activation: 'softmax', name: 'probabilities' }).apply(pooled) as tf.SymbolicTensor;
  small = await artifactsOf(tf.model({ inputs: input, outputs: output }));
});

/** A copy of the artifacts with one layer's JSON edited. */
function edited(layerName: string, edit: (layer: LayerJson) => void): LayersModelArtifacts {
  const topology = structuredClone(small.modelTopology) as { config: { layers: LayerJson[] } };
  const layer = topology.config.layers.find((candidate) => candidate.name === layerName);
  if (layer === undefined) throw new Error(`no layer ${layerName}`);
  edit(layer);
  return { ...small, modelTopology: topology };
}

function failure(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the export to fail');
}

describe('what the exporter refuses, naming the layer', () => {
  it('exports the unedited model (the edits below are what fails)', () => {
    expect(exportLayersModel(small).report.outputs).toEqual([{ name: 'probabilities', shape: ['N', 6] }]);
  });

  it('an unsupported layer type, with the list of supported ones', async () => {
    const input = tf.input({ shape: [4, 4, 3], name: 'image' });
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'upsample' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'head' }).apply(up) as tf.SymbolicTensor });
    const artifacts = await artifactsOf(model);
    const error = failure(() => exportLayersModel(artifacts));
    expect(error).toBeInstanceOf(UnsupportedLayerError);
    expect(error).toMatchObject({ layerType: 'UpSampling2D', layerName: 'upsample' });
    expect(error.message).toMatch(/^layer "upsample" is a UpSampling2D, which the ONNX exporter does not support \(supported layer types: InputLayer, Conv2D, DepthwiseConv2D, .*\)$/);
  });

  it('an unknown activation', () => {
    const error = failure(() => exportLayersModel(edited('probabilities', (layer) => (layer.config['activation'] = 'exotic'))));
    expect(error).toBeInstanceOf(ExportError);
    expect(error.message).toMatch(/^layer "probabilities" \(Dense\): activation "exotic" is not supported \(supported: linear, relu, /);
  });

  it('channels-first convolutions', () => {
    const error = failure(() => exportLayersModel(edited('conv', (layer) => (layer.config['data_format'] = 'channels_first'))));
    expect(error.message).toBe('layer "conv" (Conv2D): data_format "channels_first" is not supported, only "channels_last"');
  });

  it('Keras ReLU options that TF.js ignores', () => {
    const error = failure(() => exportLayersModel(edited('relu', (layer) => (layer.config['threshold'] = 0.5))));
    expect(error.message).toBe('layer "relu" (ReLU): config threshold = 0.5 is not supported (TF.js ignores it; only 0)');
  });

  it('causal or unknown padding', () => {
    const error = failure(() => exportLayersModel(edited('conv', (layer) => (layer.config['padding'] = 'causal'))));
    expect(error.message).toBe('layer "conv" (Conv2D): padding "causal" is not supported, only "valid" and "same"');
  });

  it('a weight the manifest lacks', () => {
    const specs = small.weightSpecs.filter((spec) => spec.name !== 'conv/bias');
    // Drop conv/bias's 4 floats from the data too, so that only the name is missing.
    const offset = small.weightSpecs.findIndex((spec) => spec.name === 'conv/bias');
    const before = small.weightSpecs.slice(0, offset).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const data = new Uint8Array(small.weightData.byteLength - 16);
    data.set(small.weightData.subarray(0, before));
    data.set(small.weightData.subarray(before + 16), before);
    const error = failure(() => exportLayersModel({ ...small, weightSpecs: specs, weightData: data }));
    expect(error.message).toBe('layer "conv" (Conv2D): the weights manifest has no "conv/bias"');
  });

  it('an output naming a layer the model does not have', () => {
    const error = failure(() => exportLayersModel(small, { outputs: [{ name: 'embedding', layer: 'fc7' }] }));
    expect(error.message).toBe('output "embedding" names layer "fc7", which the model does not have (its outputs are "probabilities")');
  });

  it('a model with two inputs', async () => {
    const a = tf.input({ shape: [3], name: 'a' });
    const b = tf.input({ shape: [3], name: 'b' });
    const model = tf.model({ inputs: [a, b], outputs: tf.layers.add({}).apply([a, b]) as tf.SymbolicTensor });
    const artifacts = await artifactsOf(model);
    expect(failure(() => exportLayersModel(artifacts)).message).toBe('the model has 2 inputs; the exporter handles one');
  });
});

describe('parseTopology', () => {
  it('reads a functional model: layers, their nodes, inputs and outputs', () => {
    const topology = parseTopology(small.modelTopology);
    expect(topology.inputs).toEqual([{ layer: 'image', node: 0, tensor: 0 }]);
    expect(topology.outputs).toEqual([{ layer: 'probabilities', node: 0, tensor: 0 }]);
    expect(topology.layers.map((layer) => [layer.name, layer.className, layer.nodes])).toEqual([
      ['image', 'InputLayer', [[]]],
      ['conv', 'Conv2D', [[{ layer: 'image', node: 0, tensor: 0 }]]],
      ['relu', 'ReLU', [[{ layer: 'conv', node: 0, tensor: 0 }]]],
      ['pool', 'GlobalAveragePooling2D', [[{ layer: 'relu', node: 0, tensor: 0 }]]],
      ['probabilities', 'Dense', [[{ layer: 'pool', node: 0, tensor: 0 }]]],
    ]);
  });

  it('reads a Sequential model, naming its implicit input as TF.js does, also under model_config', () => {
    const config = {
      name: 'seq',
      layers: [
        { class_name: 'Dense', config: { name: 'd1', units: 2, batch_input_shape: [null, 3] } },
        { class_name: 'Dropout', config: { name: 'drop', rate: 0.1 } },
      ],
    };
    const topology = parseTopology({ model_config: { class_name: 'Sequential', config } });
    expect(topology.inputs).toEqual([{ layer: 'd1_input', node: 0, tensor: 0 }]);
    expect(topology.outputs).toEqual([{ layer: 'drop', node: 0, tensor: 0 }]);
    expect(topology.layers[0]).toMatchObject({ name: 'd1_input', className: 'InputLayer', config: { batch_input_shape: [null, 3] } });
    expect(topology.layers[2].nodes).toEqual([[{ layer: 'd1', node: 0, tensor: 0 }]]);
  });

  it('refuses what is not a layers model, and Keras 3 node lists', () => {
    expect(() => parseTopology({ node: [] })).toThrow('modelTopology has no class_name: not a TF.js layers model');
    expect(() => parseTopology({ class_name: 'Custom', config: {} })).toThrow('modelTopology is a Custom; the exporter reads Model, Functional and Sequential models');
    const keras3 = { class_name: 'Functional', config: { layers: [{ name: 'x', class_name: 'Dense', config: {}, inbound_nodes: [{ args: [] }] }], input_layers: [], output_layers: [] } };
    expect(() => parseTopology(keras3)).toThrow(/layer "x" inbound node 0 is not a list .*Keras 3/);
  });
});
