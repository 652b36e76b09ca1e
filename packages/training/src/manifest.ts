import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest, type Manifest } from '@skinlesion/model-manifest';

/**
 * The model manifest is @skinlesion/model-manifest's, the one the classifier validates against:
 * this module only adds what the training tools need around it.
 */
export {
  CHANNEL_ORDERS,
  MODEL_FORMATS,
  ManifestError,
  SCALINGS,
  parseManifest,
  type ChannelOrder,
  type Manifest,
  type ManifestOutputs,
  type ModelFormat,
  type OnnxExport,
  type Scaling,
} from '@skinlesion/model-manifest';

export const MANIFEST_FILE = 'manifest.json';

/**
 * What the training command writes: a manifest plus a free-text description of the model's
 * origin, which the validator ignores (unknown keys are allowed for provenance).
 */
export type ManifestJson = Manifest & { readonly description?: string };

/** Reads and validates `<dir>/manifest.json`. */
export async function readManifestFile(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  return parseManifest(JSON.parse(await readFile(file, 'utf8')) as unknown, file);
}
