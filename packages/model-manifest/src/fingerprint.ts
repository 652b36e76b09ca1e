import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The weight shard files a TF.js model.json lists, in the order TF.js reads them (groups in
 * order, each group's paths in order), relative to the model.json's folder.
 */
export function weightShardPaths(modelJson: unknown): string[] {
  const groups = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) throw new Error('model.json has no weightsManifest list');
  return groups.flatMap((group: unknown, index) => {
    const paths = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(paths) || !paths.every((entry) => typeof entry === 'string')) {
      throw new Error(`model.json weightsManifest[${index}].paths must be a list of file names`);
    }
    return paths as string[];
  });
}

/** The ONNX metadata_props key under which an export records the modelFingerprint of its source. */
export const SOURCE_FINGERPRINT_KEY = 'skinlesion.source_fingerprint';

/**
 * Identifies a TF.js model by its bytes: SHA-256 over model.json and its weight shards (in
 * weightShardPaths order), each part preceded by its length as a 64-bit little-endian integer so
 * that moving bytes from one part to the next changes the result. Derived artifacts (the ONNX
 * export) record it to prove which model they were made from.
 */
export function modelFingerprint(modelJson: Uint8Array, shards: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of [modelJson, ...shards]) {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(part.byteLength));
    hash.update(length);
    hash.update(part);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Reads a TF.js model.json and the shards it lists, and returns their modelFingerprint. */
export async function fingerprintModelFiles(modelJsonPath: string): Promise<string> {
  const modelJson = await readFile(modelJsonPath);
  let parsed: unknown;
  try {
    parsed = JSON.parse(modelJson.toString('utf8'));
  } catch (error) {
    throw new Error(`${modelJsonPath} is not valid JSON`, { cause: error });
  }
  const folder = path.dirname(path.resolve(modelJsonPath));
  const shards = await Promise.all(
    weightShardPaths(parsed).map((shard) => {
      const file = path.resolve(folder, shard);
      if (!file.startsWith(folder + path.sep)) throw new Error(`weight file "${shard}" lies outside the model folder ${folder}`);
      return readFile(file);
    }),
  );
  return modelFingerprint(modelJson, shards);
}
