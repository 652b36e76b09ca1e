import * as tf from '@tensorflow/tfjs';
import { exportLayersModel } from '@skinlesion/onnx-export';
import type { InferenceSession } from 'onnxruntime-node';

/**
 * A frozen feature model: crops [count, S, S, 3] as floats 0..1 in, one row of `featureSize`
 * features per crop out.
 */
export interface FeatureExtractor {
  readonly inputSize: number;
  readonly featureSize: number;
  run(input: Float32Array, count: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type ExtractorRuntime = 'onnx' | 'tfjs';

/** Runs a single-output layers model on the selected TF.js backend. */
export function tfjsExtractor(model: tf.LayersModel): FeatureExtractor {
  const { inputSize, featureSize } = shapeOf(model);
  return {
    inputSize,
    featureSize,
    async run(input, count) {
      const x = tf.tensor4d(input.subarray(0, count * inputSize * inputSize * 3), [count, inputSize, inputSize, 3]);
      const y = model.predict(x) as tf.Tensor;
      const out = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      return out;
    },
    async dispose() {},
  };
}

/**
 * The same model exported to ONNX in memory (float32 weights) and run by ONNX Runtime on one
 * thread: about 5 times the crops per second of the wasm backend, which makes feature extraction
 * a minor part of a training run. One intra-op thread keeps the arithmetic order, and so the
 * features, identical from run to run.
 */
export async function onnxExtractor(model: tf.LayersModel): Promise<FeatureExtractor> {
  const { inputSize, featureSize } = shapeOf(model);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts?.weightSpecs === undefined || artifacts.weightData === undefined) throw new Error('feature model save produced no weights');
  const data = artifacts.weightData;
  const weightData = new Uint8Array(Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : data);
  const outputLayer = model.outputs[0]?.sourceLayer.name;
  if (outputLayer === undefined) throw new Error('feature model has no output');
  const { bytes } = exportLayersModel(
    { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData },
    { inputName: 'input', outputs: [{ name: 'features', layer: outputLayer, flatten: true }], weightPrecision: 'float32' },
  );
  // Imported on demand: the TF.js path must keep working where the native library is missing.
  const ort = await import('onnxruntime-node');
  const session: InferenceSession = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  return {
    inputSize,
    featureSize,
    async run(input, count) {
      const tensor = new ort.Tensor('float32', input.subarray(0, count * inputSize * inputSize * 3), [count, inputSize, inputSize, 3]);
      const result = await session.run({ input: tensor }, ['features']);
      return result['features']?.data as Float32Array;
    },
    async dispose() {
      await session.release();
    },
  };
}

export async function createExtractor(model: tf.LayersModel, runtime: ExtractorRuntime): Promise<FeatureExtractor> {
  return runtime === 'onnx' ? onnxExtractor(model) : tfjsExtractor(model);
}

function shapeOf(model: tf.LayersModel): { inputSize: number; featureSize: number } {
  const input = model.inputs[0]?.shape;
  const output = model.outputs[0]?.shape;
  const inputSize = input?.[1];
  const featureSize = output?.[1];
  if (model.outputs.length !== 1 || typeof inputSize !== 'number' || input?.[2] !== inputSize || typeof featureSize !== 'number' || output?.length !== 2) {
    throw new Error('a feature model takes [N, S, S, 3] and gives one [N, D] output');
  }
  return { inputSize, featureSize };
}
