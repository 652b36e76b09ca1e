/**
 * The model manifest: the file beside a model that tells the classifier how to feed it and how to
 * read it. Dependency-free so the classifier service can reuse it as is.
 *
 * The same shape as @skinlesion/model-manifest (the classifier's copy); unknown keys are ignored
 * there and here, so training tools may record provenance beside the required fields.
 *
 * Pixel scaling, applied to 8-bit values v in the channel order given:
 * - `unit`: v / 255, range 0..1 (nsfwjs MobileNetV2, and the research's VGG16);
 * - `symmetric`: v / 127.5 - 1, range -1..1 (Keras MobileNet / Inception preprocessing);
 * - `caffe`: v - mean per channel, with the ImageNet means B 103.939, G 116.779, R 123.68
 *   (Keras VGG / ResNet preprocessing; such models normally also say channelOrder BGR);
 * - `raw`: v as a float, 0..255 (models that normalise inside their graph).
 */
export type ModelFormat = 'tfjs-layers' | 'tfjs-graph';
export type ChannelOrder = 'RGB' | 'BGR';
export type PixelScaling = 'unit' | 'symmetric' | 'caffe' | 'raw';

export const MANIFEST_FILE = 'manifest.json';
export const CANONICAL_CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'] as const;
/** Caffe-style ImageNet channel means, indexed R, G, B. */
export const CAFFE_MEAN_RGB = [123.68, 116.779, 103.939] as const;

export interface ModelManifest {
  readonly name: string;
  readonly version: string;
  readonly format: ModelFormat;
  /** model.json, relative to the manifest's folder. */
  readonly modelPath: string;
  /** Side of the square input, px. */
  readonly inputSize: number;
  readonly channelOrder: ChannelOrder;
  readonly scaling: PixelScaling;
  /** Exactly the six classes of the method, in the model's output order. */
  readonly classNames: readonly string[];
  readonly outputs: {
    /** Output (layers model: output layer name; graph model: output node name) with the softmax. */
    readonly probabilities: string;
    /** Output, or inner layer, whose activations (flattened per crop) are the embedding. */
    readonly embedding: string;
  };
  /** Length of the flattened embedding per crop. */
  readonly embeddingSize: number;
  /** Free text: where the model comes from (ignored by the classifier). */
  readonly description?: string;
}

export type ManifestCheck = { readonly ok: true; readonly manifest: ModelManifest } | { readonly ok: false; readonly errors: readonly string[] };

/** Model names travel in Open Inference Protocol URL paths: one path segment. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** 4096 px: far beyond any classifier input; catches pixel counts typed as sizes. */
const MAX_INPUT_SIZE = 4096;

/** Checks a parsed manifest and lists every problem at once. */
export function validateManifest(value: unknown): ManifestCheck {
  const errors: string[] = [];
  if (!isRecord(value)) return { ok: false, errors: ['manifest must be a JSON object'] };
  const text = (key: string, optional = false): void => {
    const v = value[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.trim().length === 0) errors.push(`"${key}" must be a non-empty string`);
  };
  text('name');
  text('version');
  text('description', true);
  if (typeof value['name'] === 'string' && value['name'].length > 0 && !NAME_PATTERN.test(value['name'])) {
    errors.push('"name" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  oneOf(value, 'format', ['tfjs-layers', 'tfjs-graph'], errors);
  oneOf(value, 'channelOrder', ['RGB', 'BGR'], errors);
  oneOf(value, 'scaling', ['unit', 'symmetric', 'caffe', 'raw'], errors);
  const modelPath = value['modelPath'];
  // A relative POSIX path of word characters, dots, dashes and slashes ending in .json, with no
  // ".." segment and no leading slash: the model must stay inside its folder.
  if (typeof modelPath !== 'string' || !/^(?!\/)(?!(.*\/)?\.\.(\/|$))[\w.\-/]+\.json$/.test(modelPath)) {
    errors.push('"modelPath" must be a relative path to a .json file inside the model folder');
  }
  const inputSize = value['inputSize'];
  if (!Number.isInteger(inputSize) || (inputSize as number) < 1 || (inputSize as number) > MAX_INPUT_SIZE) {
    errors.push(`"inputSize" must be an integer from 1 to ${MAX_INPUT_SIZE} (px)`);
  }
  const classNames = value['classNames'];
  if (!Array.isArray(classNames) || classNames.length !== CANONICAL_CLASS_NAMES.length || classNames.some((c, i) => c !== CANONICAL_CLASS_NAMES[i])) {
    errors.push(`"classNames" must be exactly ${JSON.stringify(CANONICAL_CLASS_NAMES)}`);
  }
  const outputs = value['outputs'];
  if (!isRecord(outputs)) {
    errors.push('"outputs" must be an object {probabilities, embedding}');
  } else {
    for (const key of ['probabilities', 'embedding']) {
      const v = outputs[key];
      if (typeof v !== 'string' || v.length === 0) errors.push(`"outputs.${key}" must be a non-empty string`);
    }
  }
  const embeddingSize = value['embeddingSize'];
  if (!Number.isInteger(embeddingSize) || (embeddingSize as number) < 1) errors.push('"embeddingSize" must be a positive integer');
  return errors.length === 0 ? { ok: true, manifest: value as unknown as ModelManifest } : { ok: false, errors };
}

/** Like validateManifest, but throws one error naming every problem. */
export function parseManifest(value: unknown): ModelManifest {
  const check = validateManifest(value);
  if (!check.ok) throw new Error(`invalid model manifest: ${check.errors.join('; ')}`);
  return check.manifest;
}

function oneOf(record: Record<string, unknown>, key: string, allowed: readonly string[], errors: string[]): void {
  if (!allowed.includes(record[key] as string)) errors.push(`"${key}" must be one of ${allowed.join(', ')}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
