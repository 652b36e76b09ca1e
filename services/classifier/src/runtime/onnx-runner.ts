import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@skinlesion/logger';
import { fingerprintModelFiles, SOURCE_FINGERPRINT_KEY, type Manifest } from '@skinlesion/model-manifest';
import { onnxMetadata } from '../domain/onnx-metadata.js';
import type { ModelRunner } from './runner.js';

/** Tensor names of the export (@skinlesion/onnx-export's exportModelDir). */
const INPUT = 'input';
const OUTPUTS = ['probabilities', 'embedding'] as const;

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

function describeShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The ONNX Runtime runtime: the manifest's ONNX export on the CPU execution provider with one
 * intra-op and one inter-op thread (one replica = one inference thread, so replicas are the
 * unit of scale), all graph optimisations on. The export must come from the TF.js files beside
 * it (their fingerprint is in its metadata), since those are the reference its parity was
 * checked against.
 */
export async function loadOnnxRunner(modelDir: string, manifest: Manifest, log: Logger): Promise<ModelRunner> {
  if (manifest.onnx === undefined) throw new Error('the manifest names no ONNX export (onnx.modelPath)');
  const file = path.resolve(modelDir, manifest.onnx.modelPath);
  const bytes = new Uint8Array(await readFile(file));
  const recorded = onnxMetadata(bytes).get(SOURCE_FINGERPRINT_KEY);
  const current = await fingerprintModelFiles(path.resolve(modelDir, manifest.modelPath));
  if (recorded !== current) throw new StaleExportError(file, recorded);

  // Imported here, not at the top: a missing or broken native binary must not stop the TF.js runtime.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings and errors only: ORT's info lines are about graph rewrites.
    logSeverityLevel: 2,
  });
  try {
    const size = manifest.inputSize;
    const missing = [INPUT].filter((name) => !session.inputNames.includes(name)).concat(OUTPUTS.filter((name) => !session.outputNames.includes(name)));
    if (missing.length > 0) {
      throw new Error(`${file} lacks ${missing.map((name) => `"${name}"`).join(', ')}: its inputs are [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]`);
    }
    const inputInfo = session.inputMetadata.find((info) => info.name === INPUT);
    if (inputInfo?.isTensor) {
      const shape = inputInfo.shape;
      const fits = shape.length === 4 && shape[1] === size && shape[2] === size && shape[3] === 3 && typeof shape[0] === 'string';
      if (!fits) throw new Error(`${file} input "${INPUT}" is ${describeShape(shape)}, not [N, ${size}, ${size}, 3] with a dynamic N`);
    }
    log.debug({ file, inputs: session.inputNames, outputs: session.outputNames }, 'ONNX model loaded');
  } catch (error) {
    await session.release();
    throw error;
  }

  const size = manifest.inputSize;
  let released: Promise<void> | undefined;
  return {
    manifest,
    runtime: 'onnxruntime',
    backend: 'cpu',
    platform: 'onnxruntime_onnx',
    async run(input, count) {
      const tensor = new ort.Tensor('float32', input.subarray(0, count * size * size * 3), [count, size, size, 3]);
      const results = await session.run({ [INPUT]: tensor }, [...OUTPUTS]);
      return { probabilities: results['probabilities'].data as Float32Array, embedding: results['embedding'].data as Float32Array };
    },
    dispose() {
      released ??= session.release();
      return released;
    },
  };
}
