import * as tf from '@tensorflow/tfjs';
import type { KerasArtifacts, KerasLayerJson, KerasTopology } from './nsfwjs-source.js';

/** Layer whose activations, average-pooled, form the trunk's last feature vector (1280-d). */
export const LAST_FEATURE_LAYER = 'out_relu';
/** Name of the layer whose output is the pooled feature vector: the shipped model's embedding output. */
export const EMBEDDING_LAYER = 'embedding';

export interface TrunkOptions {
  /** Side of the square input in px; MobileNetV2 needs a multiple of 32. */
  readonly inputSize: number;
  /**
   * Layers whose activations are pooled over space and concatenated, in this order: a layer name
   * for global average pooling, `max:<layer>` for global max pooling.
   */
  readonly featureLayers: readonly string[];
}

export interface Trunk {
  /** Input [N, S, S, 3] float 0..1 -> concatenated pooled features [N, featureSize], layer `embedding`. */
  readonly model: tf.LayersModel;
  /** The convolutional part with the original layer names, for assembling the final model. */
  readonly base: tf.LayersModel;
  readonly featureSize: number;
  readonly featureSizes: readonly number[];
}

type FloatMap = Map<string, { shape: number[]; values: Float32Array }>;

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D']);

/**
 * Rebuilds the nsfwjs MobileNetV2 as a fully convolutional trunk at a new input size, with each
 * BatchNormalization folded into the convolution before it. Folding is exact in inference mode
 * (the trunk is frozen) and removes 52 layers that would otherwise each be a full pass over
 * memory per crop on the wasm backend.
 */
export async function buildTrunk(source: KerasArtifacts, options: TrunkOptions): Promise<Trunk> {
  if (options.inputSize % 32 !== 0 || options.inputSize < 32) {
    throw new Error(`trunk input size must be a positive multiple of 32 px, got ${options.inputSize}`);
  }
  const weights = decodeToFloat(source);
  const layers = ancestorsOf(source.modelTopology, [LAST_FEATURE_LAYER, ...options.featureLayers.map((f) => parseFeatureLayer(f).layer)]);
  const inputLayer = layers.find((l) => l.class_name === 'InputLayer');
  if (inputLayer === undefined) throw new Error('trunk: no InputLayer in the source topology');
  inputLayer.config['batch_input_shape'] = [null, options.inputSize, options.inputSize, 3];
  const folded = foldBatchNorms(layers, weights);

  const topology: KerasTopology = structuredClone(source.modelTopology);
  topology.model_config.config.layers = folded;
  topology.model_config.config.output_layers = [[LAST_FEATURE_LAYER, 0, 0]];
  topology.model_config.config.name = 'mobilenet_v2_trunk';
  const { weightSpecs, weightData } = packFloat32(weights, folded);
  const base = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }),
  );

  const single = options.featureLayers.length === 1;
  const pooled = options.featureLayers.map((spec) => {
    const { layer, pooling } = parseFeatureLayer(spec);
    const name = single ? EMBEDDING_LAYER : `${pooling === 'max' ? 'maxpool' : 'pool'}_${layer}`;
    const pool = pooling === 'max' ? tf.layers.globalMaxPooling2d({ name }) : tf.layers.globalAveragePooling2d({ name });
    return pool.apply(base.getLayer(layer).output) as tf.SymbolicTensor;
  });
  const featureSizes = pooled.map((t) => t.shape[1] as number);
  const features = single
    ? (pooled[0] as tf.SymbolicTensor)
    : (tf.layers.concatenate({ name: EMBEDDING_LAYER }).apply(pooled) as tf.SymbolicTensor);
  const model = tf.model({ inputs: base.inputs, outputs: features, name: 'trunk_features' });
  return { model, base, featureSize: features.shape[1] as number, featureSizes };
}

export function parseFeatureLayer(spec: string): { layer: string; pooling: 'average' | 'max' } {
  return spec.startsWith('max:') ? { layer: spec.slice(4), pooling: 'max' } : { layer: spec, pooling: 'average' };
}

function decodeToFloat(source: KerasArtifacts): FloatMap {
  const tensors = tf.io.decodeWeights(source.weightData, source.weightSpecs as tf.io.WeightsManifestEntry[]);
  const out: FloatMap = new Map();
  for (const [name, tensor] of Object.entries(tensors)) {
    out.set(name, { shape: tensor.shape.slice(), values: Float32Array.from(tensor.dataSync() as Float32Array) });
    tensor.dispose();
  }
  return out;
}

/** The layers needed to compute `targets`, in the source order. */
function ancestorsOf(topology: KerasTopology, targets: readonly string[]): KerasLayerJson[] {
  const all = structuredClone(topology.model_config.config.layers);
  const byName = new Map(all.map((l) => [l.name, l]));
  const needed = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (needed.has(name)) continue;
    const layer = byName.get(name);
    if (layer === undefined) throw new Error(`trunk: layer ${name} is not in the source model`);
    needed.add(name);
    for (const node of layer.inbound_nodes) for (const [inbound] of node) stack.push(inbound);
  }
  return all.filter((l) => needed.has(l.name));
}

function foldBatchNorms(layers: KerasLayerJson[], weights: FloatMap): KerasLayerJson[] {
  const consumers = new Map<string, number>();
  for (const layer of layers) {
    for (const node of layer.inbound_nodes) for (const [inbound] of node) consumers.set(inbound, (consumers.get(inbound) ?? 0) + 1);
  }
  const byName = new Map(layers.map((l) => [l.name, l]));
  const renamed = new Map<string, string>();
  const kept: KerasLayerJson[] = [];
  for (const layer of layers) {
    const inbound = layer.inbound_nodes.length === 1 && layer.inbound_nodes[0]?.length === 1 ? layer.inbound_nodes[0][0] : undefined;
    const producer = inbound === undefined ? undefined : byName.get(inbound[0]);
    const foldable =
      layer.class_name === 'BatchNormalization' &&
      producer !== undefined &&
      CONV_CLASSES.has(producer.class_name) &&
      producer.config['use_bias'] === false &&
      consumers.get(producer.name) === 1 &&
      layer.config['center'] !== false &&
      layer.config['scale'] !== false;
    if (!foldable || producer === undefined) {
      kept.push(layer);
      continue;
    }
    foldInto(producer, layer, weights);
    renamed.set(layer.name, producer.name);
  }
  for (const layer of kept) {
    for (const node of layer.inbound_nodes) {
      for (const entry of node) entry[0] = renamed.get(entry[0]) ?? entry[0];
    }
  }
  return kept;
}

/** conv(x) * s + (beta - mean * s), s = gamma / sqrt(var + eps): per output channel. */
function foldInto(conv: KerasLayerJson, bn: KerasLayerJson, weights: FloatMap): void {
  const kernelName = conv.class_name === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel';
  const kernel = take(weights, `${conv.name}/${kernelName}`);
  const gamma = take(weights, `${bn.name}/gamma`).values;
  const beta = take(weights, `${bn.name}/beta`).values;
  const mean = take(weights, `${bn.name}/moving_mean`).values;
  const variance = take(weights, `${bn.name}/moving_variance`).values;
  const epsilon = typeof bn.config['epsilon'] === 'number' ? bn.config['epsilon'] : 1e-3;
  // Conv2D kernels are [kh, kw, in, out]; depthwise kernels are [kh, kw, in, multiplier] with
  // output channel in * multiplier + m: in both layouts the channel is the flat index modulo it.
  const outChannels =
    conv.class_name === 'DepthwiseConv2D' ? (kernel.shape[2] as number) * (kernel.shape[3] as number) : (kernel.shape[3] as number);
  if (gamma.length !== outChannels) throw new Error(`trunk: ${bn.name} has ${gamma.length} channels, ${conv.name} ${outChannels}`);
  const scale = new Float32Array(outChannels);
  const bias = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    const s = (gamma[c] as number) / Math.sqrt((variance[c] as number) + epsilon);
    scale[c] = s;
    bias[c] = (beta[c] as number) - (mean[c] as number) * s;
  }
  const values = kernel.values;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) * (scale[i % outChannels] as number);
  weights.set(`${conv.name}/${kernelName}`, kernel);
  weights.set(`${conv.name}/bias`, { shape: [outChannels], values: bias });
  conv.config['use_bias'] = true;
  conv.config['bias_initializer'] = { class_name: 'Zeros', config: {} };
}

function take(weights: FloatMap, name: string): { shape: number[]; values: Float32Array } {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`trunk: weight ${name} missing from the source model`);
  return w;
}

/** Float32 weight specs and data for the layers kept, in layer order. */
function packFloat32(weights: FloatMap, layers: KerasLayerJson[]): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Float32Array[] = [];
  const suffixes = ['kernel', 'depthwise_kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance'];
  for (const layer of layers) {
    for (const suffix of suffixes) {
      const name = `${layer.name}/${suffix}`;
      const w = weights.get(name);
      if (w === undefined) continue;
      specs.push({ name, shape: w.shape, dtype: 'float32' });
      parts.push(w.values);
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    joined.set(p, offset);
    offset += p.length;
  }
  return { weightSpecs: specs, weightData: joined.buffer };
}

