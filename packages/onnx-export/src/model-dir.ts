import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLASS_NAMES, parseManifest, SOURCE_FINGERPRINT_KEY, type Manifest } from '@skinlesion/model-manifest';
import type { WeightPrecision } from './context.js';
import { ExportError } from './errors.js';
import { exportLayersModel, type ExportResult } from './export.js';
import { readLayersModel } from './tfjs-artifacts.js';

/** The classifier's tensor names (Open Inference Protocol), which the ONNX file uses too. */
export const CLASSIFIER_INPUT = 'input';
export const CLASSIFIER_OUTPUTS = ['probabilities', 'embedding'] as const;

/** Where the export goes when the manifest does not say: beside model.json. */
export const DEFAULT_ONNX_FILE = 'model.onnx';

export interface ModelDirExport extends ExportResult {
  readonly manifest: Manifest;
  /** modelFingerprint of the TF.js files, also stored in the ONNX file's metadata. */
  readonly fingerprint: string;
  /** Where the manifest says the ONNX file belongs (onnx.modelPath, else model.onnx), absolute. */
  readonly defaultOut: string;
}

export async function readManifestFile(modelDir: string): Promise<Manifest> {
  const file = path.join(modelDir, 'manifest.json');
  return parseManifest(JSON.parse(await readFile(file, 'utf8')) as unknown, file);
}

/**
 * Exports the model of a classifier model folder (manifest.json + TF.js layers model) for the
 * classifier's ONNX Runtime path: input "input" [N, S, S, 3] float32 in the model's own scale
 * (the classifier preprocesses pixels as for TF.js), outputs "probabilities" [N, 6] and
 * "embedding" [N, embeddingSize] taken from the layers the manifest names, flattened per crop.
 */
export async function exportModelDir(modelDir: string, options: { weightPrecision?: WeightPrecision } = {}): Promise<ModelDirExport> {
  const manifest = await readManifestFile(modelDir);
  if (manifest.format !== 'tfjs-layers') throw new ExportError(`the manifest says format "${manifest.format}"; the exporter reads tfjs-layers models`);
  const model = await readLayersModel(path.resolve(modelDir, manifest.modelPath));
  const result = exportLayersModel(model, {
    inputName: CLASSIFIER_INPUT,
    outputs: [
      { name: 'probabilities', layer: manifest.outputs.probabilities, flatten: true },
      { name: 'embedding', layer: manifest.outputs.embedding, flatten: true },
    ],
    weightPrecision: options.weightPrecision ?? 'source',
    metadata: { [SOURCE_FINGERPRINT_KEY]: model.fingerprint, 'skinlesion.model': `${manifest.name} ${manifest.version}` },
    docString: `${manifest.name} version ${manifest.version}, exported from ${manifest.modelPath}`,
  });
  const { input } = result.report;
  const expected = [
    { what: 'input', got: input.shape.slice(1), want: [manifest.inputSize, manifest.inputSize, 3] },
    { what: 'output probabilities', got: result.report.outputs[0].shape.slice(1), want: [CLASS_NAMES.length] },
    { what: 'output embedding', got: result.report.outputs[1].shape.slice(1), want: [manifest.embeddingSize] },
  ];
  for (const { what, got, want } of expected) {
    if (got.length !== want.length || got.some((dim, index) => dim !== want[index])) {
      throw new ExportError(`the model's ${what} is [N, ${got.join(', ')}], but the manifest implies [N, ${want.join(', ')}]`);
    }
  }
  const defaultOut = path.resolve(modelDir, manifest.onnx?.modelPath ?? DEFAULT_ONNX_FILE);
  return { ...result, manifest, fingerprint: model.fingerprint, defaultOut };
}
