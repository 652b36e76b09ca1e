import type { Logger } from '@skinlesion/logger';
import type { Manifest } from '@skinlesion/model-manifest';
import type { BackendChoice } from './backend-choices.js';
import { readManifest } from './manifest-file.js';
import type { InferenceThread, ModelRunner, RuntimeChoice } from './runner.js';

export interface RuntimeOptions {
  readonly modelDir: string;
  readonly runtime: RuntimeChoice;
  /** The TF.js backend, when TF.js runs the model. */
  readonly backend: BackendChoice;
  /**
   * Where ONNX Runtime runs batches: 'worker', a thread of its own, so that the caller's event
   * loop stays free during a batch (the service); 'caller', the calling thread (the default: the
   * raw limit, with no hand-off). TF.js always runs on the calling thread.
   */
  readonly thread?: InferenceThread;
}

async function tfjs(options: RuntimeOptions, log: Logger, manifest: Manifest): Promise<ModelRunner> {
  // Loaded on demand: a replica on ONNX Runtime never loads TF.js.
  const { loadTfjsRunner } = await import('./tfjs-runner.js');
  return loadTfjsRunner(options.modelDir, manifest, options.backend, log);
}

async function onnx(options: RuntimeOptions, log: Logger, manifest: Manifest): Promise<ModelRunner> {
  if (options.thread === 'worker') {
    const { loadOnnxWorkerRunner } = await import('./onnx-worker-runner.js');
    return loadOnnxWorkerRunner(options.modelDir, manifest, log);
  }
  const { loadOnnxRunner } = await import('./onnx-runner.js');
  return loadOnnxRunner(options.modelDir, manifest, log);
}

/**
 * Reads MODEL_DIR/manifest.json and loads its model on the runtime asked for: "onnx" (the
 * manifest's ONNX export on ONNX Runtime; fails without one), "tfjs" (the TF.js model), or
 * "auto", the fastest available: ONNX Runtime when the manifest names a current export and the
 * native library loads, else TF.js, saying why in the log.
 */
export async function loadRunner(options: RuntimeOptions, log: Logger): Promise<ModelRunner> {
  const manifest = await readManifest(options.modelDir);
  switch (options.runtime) {
    case 'tfjs':
      return tfjs(options, log, manifest);
    case 'onnx':
      if (manifest.onnx === undefined) {
        throw new Error(`CLASSIFIER_RUNTIME=onnx, but ${options.modelDir}/manifest.json names no ONNX export (onnx.modelPath)`);
      }
      try {
        return await onnx(options, log, manifest);
      } catch (error) {
        throw new Error(`cannot load the ONNX export of model "${manifest.name}"`, { cause: error });
      }
    case 'auto':
      if (manifest.onnx !== undefined) {
        try {
          return await onnx(options, log, manifest);
        } catch (error) {
          log.warn({ err: error }, 'ONNX Runtime unusable for this model: running it on TF.js');
        }
      }
      return tfjs(options, log, manifest);
  }
}
