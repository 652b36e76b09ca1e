import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Manifest } from '@skinlesion/model-manifest';
import { fileModelLoader } from './file-io.js';
import { readManifest } from './manifest-file.js';

/** A loaded TF.js model that maps a preprocessed batch to its two outputs. */
export interface LoadedModel {
  readonly manifest: Manifest;
  /** The Open Inference Protocol "platform" string. */
  readonly platform: string;
  /**
   * Runs one batch [B, S, S, 3] in the model's scale; returns [probabilities [B, 6], embedding
   * [B, ...]]. The caller owns (and disposes) the returned tensors.
   */
  predict(batch: tf.Tensor4D): [tf.Tensor, tf.Tensor];
  dispose(): void;
}

function checkInputShape(shape: readonly (number | null)[] | undefined, manifest: Manifest, what: string): void {
  if (shape === undefined) return;
  const size = manifest.inputSize;
  // Unknown (null or -1) dimensions accept anything; known ones must match the manifest.
  const fits = (dim: number | null | undefined, want: number) => dim == null || dim < 0 || dim === want;
  if (shape.length !== 4 || !fits(shape[1], size) || !fits(shape[2], size) || !fits(shape[3], 3)) {
    const shown = shape.map((dim) => (dim == null || dim < 0 ? '?' : dim)).join(', ');
    throw new Error(`${what} input shape [${shown}] does not take [N, ${size}, ${size}, 3] as the manifest's inputSize says`);
  }
}

/** The symbolic output of a layer named by the manifest (or of the model output of that name). */
function layerOutput(model: tf.LayersModel, name: string, role: string): tf.SymbolicTensor {
  const modelOutput = model.outputs.find((output) => output.name === name);
  if (modelOutput !== undefined) return modelOutput;
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(name);
  } catch {
    // Sequential models leave outputNames empty: name the layers that produce the outputs.
    const outputs = model.outputs.map((output) => `"${output.sourceLayer.name}"`).join(', ');
    throw new Error(`manifest outputs.${role} names "${name}", which is not a layer of the model (its outputs are ${outputs})`);
  }
  const output = layer.output;
  if (Array.isArray(output)) throw new Error(`manifest outputs.${role}: layer "${name}" has ${output.length} outputs; name a single-output layer`);
  return output;
}

async function loadLayers(modelJson: string, manifest: Manifest): Promise<LoadedModel> {
  const model = await tf.loadLayersModel(fileModelLoader(modelJson));
  if (model.inputs.length !== 1) throw new Error(`the model has ${model.inputs.length} inputs; the classifier feeds exactly one`);
  checkInputShape(model.inputs[0].shape, manifest, 'the model');
  const probabilities = layerOutput(model, manifest.outputs.probabilities, 'probabilities');
  const embedding = layerOutput(model, manifest.outputs.embedding, 'embedding');
  // One model from the same input to both tensors: one forward pass yields both, sharing weights.
  const both = tf.model({ inputs: model.inputs, outputs: [probabilities, embedding], name: `${model.name}_served` });
  return {
    manifest,
    platform: 'tensorflowjs_layers',
    predict(batch) {
      const [p, e] = both.predictOnBatch(batch) as tf.Tensor[];
      return [p, e];
    },
    dispose() {
      // The combined model shares its layers, hence its weights, with the loaded one.
      model.dispose();
    },
  };
}

async function loadGraph(modelJson: string, manifest: Manifest): Promise<LoadedModel> {
  const model = await tf.loadGraphModel(fileModelLoader(modelJson));
  if (model.inputs.length !== 1) throw new Error(`the graph model has ${model.inputs.length} inputs; the classifier feeds exactly one`);
  checkInputShape(model.inputs[0].shape, manifest, 'the graph model');
  // Node names, or signature output keys, which execute() maps to nodes itself.
  const names = [manifest.outputs.probabilities, manifest.outputs.embedding];
  return {
    manifest,
    platform: 'tensorflowjs_graph',
    predict(batch) {
      const [p, e] = model.execute(batch, names) as tf.Tensor[];
      return [p, e];
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Loads the model a manifest describes, from the manifest's folder. */
export async function loadModel(modelDir: string, manifest: Manifest): Promise<LoadedModel> {
  const modelJson = path.resolve(modelDir, manifest.modelPath);
  try {
    return manifest.format === 'tfjs-layers' ? await loadLayers(modelJson, manifest) : await loadGraph(modelJson, manifest);
  } catch (error) {
    throw new Error(`cannot load model "${manifest.name}" from ${modelJson}`, { cause: error });
  }
}

/** Reads MODEL_DIR/manifest.json and loads its model. */
export async function loadModelDir(modelDir: string): Promise<LoadedModel> {
  return loadModel(modelDir, await readManifest(modelDir));
}
