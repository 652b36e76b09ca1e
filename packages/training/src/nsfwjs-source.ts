import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The ImageNet-initialised MobileNetV2 that ships inside the nsfwjs npm package (MIT). nsfwjs does
 * not ship model.json and .bin files: it bundles them as browserify UMD modules, the topology as a
 * JS object and each weight shard as one base64 string, so that bundlers can inline them. Reading
 * them through `require` gives the same artefacts a tf.io handler would load, with no download.
 */
export interface KerasArtifacts {
  /** Keras model topology (`model_config` with `config.layers`), as in a TF.js model.json. */
  readonly modelTopology: KerasTopology;
  readonly weightSpecs: WeightSpec[];
  readonly weightData: ArrayBuffer;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

export interface KerasLayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown> & { name: string };
  /** Keras 2.2 format: one entry per call node, each a list of [layerName, nodeIndex, tensorIndex, kwargs]. */
  inbound_nodes: Array<Array<[string, number, number, Record<string, unknown>]>>;
}

export interface KerasTopology {
  keras_version?: string;
  backend?: string;
  model_config: {
    class_name: string;
    config: {
      name: string;
      layers: KerasLayerJson[];
      input_layers: Array<[string, number, number]>;
      output_layers: Array<[string, number, number]>;
    };
  };
}

interface BundledModelJson {
  modelTopology: KerasTopology;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** Folder of the bundled MobileNetV2 inside the installed nsfwjs package. */
export function nsfwjsMobileNetDir(): string {
  const require = createRequire(import.meta.url);
  // The package's exports map hides dist/models; its CommonJS entry sits at dist/cjs/index.js.
  const entry = require.resolve('nsfwjs');
  return path.join(path.dirname(entry), '..', 'models', 'mobilenet_v2');
}

/** Reads the bundled MobileNetV2 (224 x 224 x 3 input, pixel values scaled to 0..1). */
export function loadNsfwjsMobileNetV2(): KerasArtifacts {
  const require = createRequire(import.meta.url);
  const dir = nsfwjsMobileNetDir();
  const json = require(path.join(dir, 'model.min.js')) as BundledModelJson;
  const group = json.weightsManifest[0];
  if (json.weightsManifest.length !== 1 || group === undefined) {
    throw new Error(`nsfwjs MobileNetV2: expected one weight group, found ${json.weightsManifest.length}`);
  }
  const buffers = group.paths.map((shardPath) => {
    const base64 = require(path.join(dir, `${shardPath}.min.js`)) as unknown;
    if (typeof base64 !== 'string') throw new Error(`nsfwjs MobileNetV2: shard ${shardPath} is not a base64 string`);
    return Buffer.from(base64, 'base64');
  });
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  // Deep copy: callers rewrite the topology and the required module object is cached and shared.
  const modelTopology = structuredClone(json.modelTopology);
  return { modelTopology, weightSpecs: structuredClone(group.weights), weightData };
}
