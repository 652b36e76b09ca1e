import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprintModelFiles, SOURCE_FINGERPRINT_KEY, type Manifest } from '@skinlesion/model-manifest';
import { onnxMetadata } from '../domain/onnx-metadata.js';
import type { WorkerModelInfo } from './worker-protocol.js';

/** Tensor names of the export (@skinlesion/onnx-export's exportModelDir). */
export const ONNX_INPUT = 'input';
/** Its outputs, in the order the runners return them. */
export const ONNX_OUTPUTS = ['probabilities', 'embedding'] as const;

/**
 * The CPU execution provider with one intra-op and one inter-op thread (one replica = one
 * inference thread, so replicas are the unit of scale), all graph optimisations on. Plain data:
 * it also crosses into the inference worker.
 */
export const ONNX_SESSION_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  // Warnings and errors only: ORT's info lines are about graph rewrites.
  logSeverityLevel: 2,
} as const;

/** The ONNX file was exported from other TF.js files than those beside it. */
export class StaleExportError extends Error {
  constructor(file: string, recorded: string | undefined) {
    super(
      recorded === undefined
        ? `${file} does not record which TF.js model it was exported from: export it with @skinlesion/onnx-export`
        : `${file} was exported from another version of the TF.js model (${recorded}): re-export it with node packages/onnx-export/dist/cli.js --model <model folder>`,
    );
    this.name = 'StaleExportError';
  }
}

export interface OnnxExport {
  readonly file: string;
  /** The file's bytes, in an ArrayBuffer of their own (so that they can be moved to a worker). */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Reads the manifest's ONNX export and checks that it comes from the TF.js files beside it (their
 * fingerprint is in its metadata), since those are the reference its parity was checked against.
 */
export async function readCurrentExport(modelDir: string, manifest: Manifest): Promise<OnnxExport> {
  if (manifest.onnx === undefined) throw new Error('the manifest names no ONNX export (onnx.modelPath)');
  const file = path.resolve(modelDir, manifest.onnx.modelPath);
  const bytes = new Uint8Array(await readFile(file));
  const recorded = onnxMetadata(bytes).get(SOURCE_FINGERPRINT_KEY);
  const current = await fingerprintModelFiles(path.resolve(modelDir, manifest.modelPath));
  if (recorded !== current) throw new StaleExportError(file, recorded);
  return { file, bytes };
}

function describeShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Refuses a session without the export's tensor names, or whose input is not [N, S, S, 3] with a dynamic N. */
export function checkOnnxModel(model: WorkerModelInfo, file: string, inputSize: number): void {
  const missing = [ONNX_INPUT]
    .filter((name) => !model.inputNames.includes(name))
    .concat(ONNX_OUTPUTS.filter((name) => !model.outputNames.includes(name)));
  if (missing.length > 0) {
    throw new Error(`${file} lacks ${missing.map((name) => `"${name}"`).join(', ')}: its inputs are [${model.inputNames.join(', ')}], outputs [${model.outputNames.join(', ')}]`);
  }
  const input = model.inputs.find((info) => info.name === ONNX_INPUT);
  if (input?.isTensor && input.shape !== undefined) {
    const { shape } = input;
    const fits = shape.length === 4 && shape[1] === inputSize && shape[2] === inputSize && shape[3] === 3 && typeof shape[0] === 'string';
    if (!fits) throw new Error(`${file} input "${ONNX_INPUT}" is ${describeShape(shape)}, not [N, ${inputSize}, ${inputSize}, 3] with a dynamic N`);
  }
}
