/**
 * The manifest that sits beside a TF.js model (manifest.json) and tells the classifier how to
 * feed it and read it: input size, channel order, pixel scaling, class names and which outputs
 * carry the probabilities and the embedding. Free of npm dependencies so that training scripts,
 * the exporter, the classifier and tests share one definition.
 */

export { fingerprintModelFiles, modelFingerprint, SOURCE_FINGERPRINT_KEY, weightShardPaths } from './fingerprint.js';

/** The six classes of the wide-field method, in the model's output order (pipeline.md). */
export const CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];

/** What tensorflowjs_converter makes from a Keras model (layers) or a SavedModel (graph). */
export const MODEL_FORMATS = ['tfjs-layers', 'tfjs-graph'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

export const CHANNEL_ORDERS = ['RGB', 'BGR'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

/**
 * How 0..255 pixel values become model inputs:
 * - unit: x / 255 (0..1; the research's VGG16);
 * - symmetric: x / 127.5 - 1 (-1..1; Keras MobileNet/Inception "tf" mode);
 * - caffe: subtract the ImageNet mean of each colour, no scaling (Keras VGG/ResNet "caffe" mode;
 *   such models are trained on BGR, so their manifests normally also say channelOrder BGR);
 * - raw: 0..255 as floats (models that normalise inside their graph).
 */
export const SCALINGS = ['unit', 'symmetric', 'caffe', 'raw'] as const;
export type Scaling = (typeof SCALINGS)[number];

/** Keras "caffe" preprocessing means per colour (0..255 units), listed in B, G, R order as Keras does. */
export const CAFFE_BGR_MEANS = [103.939, 116.779, 123.68] as const;

export interface ManifestOutputs {
  /** Model output (layer name for layers models, node or signature name for graph models) with the 6 probabilities. */
  readonly probabilities: string;
  /** Output or inner layer/node whose activations, flattened per crop, are the embedding. */
  readonly embedding: string;
}

/**
 * The same model exported to ONNX (by @skinlesion/onnx-export), for ONNX Runtime. The TF.js model
 * stays the reference: the ONNX file records the fingerprint of the TF.js files it was exported
 * from (modelFingerprint), so a server can tell a stale export from a current one.
 */
export interface OnnxExport {
  /** The .onnx file, relative to the manifest's folder. Input "input" [N, S, S, 3] in model scale; outputs "probabilities", "embedding". */
  readonly modelPath: string;
}

export interface Manifest {
  /** Model name as served over the Open Inference Protocol: letters, digits, '.', '_' and '-'. */
  readonly name: string;
  readonly version: string;
  readonly format: ModelFormat;
  /** model.json, relative to the manifest's folder; weight shards are resolved beside it. */
  readonly modelPath: string;
  /** Side of the square model input in px (research VGG16: 150). */
  readonly inputSize: number;
  readonly channelOrder: ChannelOrder;
  readonly scaling: Scaling;
  readonly classNames: readonly ClassName[];
  readonly outputs: ManifestOutputs;
  /** Length of the flattened embedding per crop. */
  readonly embeddingSize: number;
  /** Present when the model also ships as ONNX. */
  readonly onnx?: OnnxExport;
}

export class ManifestError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source?: string) {
    const where = source ? ` (${source})` : '';
    super(`invalid model manifest${where}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

// OIP model names end up in URL paths of the REST binding: keep them to one path segment.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** 4096 px: far beyond any classifier input; catches pixel counts typed as sizes. */
const MAX_INPUT_SIZE = 4096;

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value) ?? String(value);
}

function nonEmptyString(record: Record<string, unknown>, key: string, path: string, problems: Problems): string {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${path} must be a non-empty string, got ${quote(value)}`);
    return '';
  }
  return value;
}

function choice<T extends string>(record: Record<string, unknown>, key: string, choices: readonly T[], problems: Problems): T {
  const value = record[key];
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    problems.push(`${key} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${quote(value)}`);
    return choices[0];
  }
  return value as T;
}

function integer(record: Record<string, unknown>, key: string, min: number, max: number, problems: Problems): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${key} must be an integer in [${min}, ${max}], got ${quote(value)}`);
    return 0;
  }
  return value;
}

function relativeModelPath(record: Record<string, unknown>, key: string, path: string, extension: string, problems: Problems): string {
  const value = nonEmptyString(record, key, path, problems);
  if (value === '') return value;
  // The model must live inside the manifest's folder: no absolute paths, drive letters or '..'.
  const segments = value.split(/[\\/]/);
  if (value.startsWith('/') || value.startsWith('\\') || /^[A-Za-z]:/.test(value) || segments.includes('..')) {
    problems.push(`${path} must be a path relative to the manifest's folder without "..", got ${quote(value)}`);
  } else if (!value.endsWith(extension)) {
    problems.push(`${path} must name the model's ${extension} file, got ${quote(value)}`);
  }
  return value;
}

function classNames(record: Record<string, unknown>, problems: Problems): ClassName[] {
  const value = record['classNames'];
  const expected = CLASS_NAMES.map((name) => `"${name}"`).join(', ');
  const matches =
    Array.isArray(value) && value.length === CLASS_NAMES.length && value.every((name, index) => name === CLASS_NAMES[index]);
  if (!matches) problems.push(`classNames must be exactly [${expected}] (the model's output order), got ${quote(value)}`);
  return [...CLASS_NAMES];
}

function outputs(record: Record<string, unknown>, problems: Problems): ManifestOutputs {
  const value = record['outputs'];
  if (!isRecord(value)) {
    problems.push(`outputs must be an object {probabilities, embedding} naming the model's outputs, got ${quote(value)}`);
    return { probabilities: '', embedding: '' };
  }
  return {
    probabilities: nonEmptyString(value, 'probabilities', 'outputs.probabilities', problems),
    embedding: nonEmptyString(value, 'embedding', 'outputs.embedding', problems),
  };
}

function onnxExport(record: Record<string, unknown>, problems: Problems): OnnxExport | undefined {
  const value = record['onnx'];
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problems.push(`onnx must be an object {modelPath} naming the ONNX export, got ${quote(value)}`);
    return undefined;
  }
  return Object.freeze({ modelPath: relativeModelPath(value, 'modelPath', 'onnx.modelPath', '.onnx', problems) });
}

/**
 * Validates a parsed manifest.json and returns it typed. Every problem is reported at once in one
 * ManifestError. Keys it does not know (provenance, training figures) are ignored, so that
 * training tools may record more than the classifier needs.
 */
export function parseManifest(json: unknown, source?: string): Manifest {
  if (!isRecord(json)) throw new ManifestError([`the manifest must be a JSON object, got ${quote(json)}`], source);
  const problems: Problems = [];

  const name = nonEmptyString(json, 'name', 'name', problems);
  if (name !== '' && !NAME_PATTERN.test(name)) {
    problems.push(`name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${quote(name)}`);
  }
  const version = nonEmptyString(json, 'version', 'version', problems);
  const format = choice(json, 'format', MODEL_FORMATS, problems);
  const modelPath = relativeModelPath(json, 'modelPath', 'modelPath', '.json', problems);
  const inputSize = integer(json, 'inputSize', 1, MAX_INPUT_SIZE, problems);
  const channelOrder = choice(json, 'channelOrder', CHANNEL_ORDERS, problems);
  const scaling = choice(json, 'scaling', SCALINGS, problems);
  const names = classNames(json, problems);
  const outputNames = outputs(json, problems);
  const embeddingSize = integer(json, 'embeddingSize', 1, Number.MAX_SAFE_INTEGER, problems);
  const onnx = onnxExport(json, problems);

  if (problems.length > 0) throw new ManifestError(problems, source);
  return Object.freeze({
    name,
    version,
    format,
    modelPath,
    inputSize,
    channelOrder,
    scaling,
    classNames: Object.freeze(names),
    outputs: Object.freeze(outputNames),
    embeddingSize,
    ...(onnx === undefined ? {} : { onnx }),
  });
}
