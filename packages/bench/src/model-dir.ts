import { access, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The classifier's embedded default model, found from this file's place in the repository. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../services/classifier/models/default', import.meta.url));

/** The ONNX export the default model ships beside its TF.js files. */
const ONNX_FILE = 'model.onnx';

export interface ModelDir {
  /** A folder whose manifest names an ONNX export: MODEL_DIR for ONNX Runtime runs. */
  readonly dir: string;
  /** True when the manifest lacked the `onnx` entry and a temporary copy was made to add it. */
  readonly patched: boolean;
  readonly name: string;
  readonly version: string;
  readonly inputSize: number;
  /** Removes the temporary copy, if one was made. */
  release(): Promise<void>;
}

interface ManifestFields {
  name: string;
  version: string;
  inputSize: number;
  onnx?: { modelPath: string };
}

/**
 * A model folder ONNX Runtime can serve. When the manifest already names its export, that is the
 * folder itself; when it does not but `model.onnx` lies beside it, a temporary copy of the folder
 * gets the missing `"onnx": {"modelPath": "model.onnx"}` entry. Fails when there is no export.
 */
export async function onnxModelDir(source = DEFAULT_MODEL_DIR): Promise<ModelDir> {
  const manifest = JSON.parse(await readFile(path.join(source, 'manifest.json'), 'utf8')) as ManifestFields;
  const facts = { name: manifest.name, version: manifest.version, inputSize: manifest.inputSize };
  if (manifest.onnx !== undefined) return { dir: source, patched: false, ...facts, release: async () => undefined };
  try {
    await access(path.join(source, ONNX_FILE));
  } catch {
    throw new Error(`${source}/manifest.json names no ONNX export and there is no ${ONNX_FILE} beside it: export one with packages/onnx-export`);
  }
  const copy = await mkdtemp(path.join(tmpdir(), 'skinlesion-bench-model-'));
  await cp(source, copy, { recursive: true });
  await writeFile(path.join(copy, 'manifest.json'), `${JSON.stringify({ ...manifest, onnx: { modelPath: ONNX_FILE } }, null, 2)}\n`);
  return { dir: copy, patched: true, ...facts, release: () => rm(copy, { recursive: true, force: true }) };
}
