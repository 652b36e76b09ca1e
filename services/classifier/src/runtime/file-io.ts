import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

function insideFolder(folder: string, relative: string): string {
  const resolved = path.resolve(folder, relative);
  if (!resolved.startsWith(folder + path.sep)) {
    throw new Error(`weight file "${relative}" lies outside the model folder ${folder}`);
  }
  return resolved;
}

/** An ArrayBuffer of exactly the file's bytes (small Node buffers share a larger pool). */
function ownBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Loads a TF.js model.json and its weight shards from local disk. TF.js itself only loads from
 * disk through tfjs-node's file:// handler, which the wasm and cpu backends do not have, and a
 * server must not fetch its model over the network.
 */
export function fileModelLoader(modelJsonPath: string): tf.io.IOHandler {
  const folder = path.dirname(path.resolve(modelJsonPath));
  return {
    async load() {
      const text = await readFile(modelJsonPath, 'utf8');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`${modelJsonPath} is not valid JSON`, { cause: error });
      }
      if (typeof json !== 'object' || json === null || json.modelTopology == null) {
        throw new Error(`${modelJsonPath} has no modelTopology: not a TF.js model.json`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const files = manifest.flatMap((group) => group.paths).map((shard) => insideFolder(folder, shard));
        // One buffer per shard: TF.js reads them as one composite buffer without a joining copy.
        const shards = await Promise.all(files.map(async (file) => ownBuffer(await readFile(file))));
        return [specs, shards];
      });
    },
  };
}
