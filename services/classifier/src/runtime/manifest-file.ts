import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest, type Manifest } from '@skinlesion/model-manifest';

export const MANIFEST_FILE = 'manifest.json';

/** Reads and validates MODEL_DIR/manifest.json. */
export async function readManifest(modelDir: string): Promise<Manifest> {
  const file = path.join(modelDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the model manifest ${file}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON`, { cause: error });
  }
  return parseManifest(json, file);
}
