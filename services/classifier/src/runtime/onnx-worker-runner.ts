import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@skinlesion/logger';
import type { Manifest } from '@skinlesion/model-manifest';
import { workerScript } from '@skinlesion/worker-script';
import { checkOnnxModel, ONNX_INPUT, ONNX_OUTPUTS, ONNX_SESSION_OPTIONS, readCurrentExport } from './onnx-export.js';
import type { ModelRunner } from './runner.js';
import type { OnnxWorkerData } from './worker-protocol.js';
import { startWorkerRunner } from './worker-runner.js';

/**
 * onnxruntime-node's entry as a file: URL, resolved from this package (run from the sources, the
 * worker program lives in a temporary folder, which resolves no package names). Throws when the
 * package is not installed.
 */
function onnxRuntimeUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
}

/**
 * The ONNX Runtime runtime in a worker thread of its own (onnx-worker.ts): the same export,
 * checks and session options as loadOnnxRunner, with the session in the worker, so that while a
 * batch runs this thread keeps receiving calls, preparing the next batch and answering. Still one
 * inference thread per replica: the worker runs one batch at a time on one intra-op thread.
 */
export async function loadOnnxWorkerRunner(modelDir: string, manifest: Manifest, log: Logger): Promise<ModelRunner> {
  const { file, bytes } = await readCurrentExport(modelDir, manifest);
  const workerData: OnnxWorkerData = {
    ortUrl: onnxRuntimeUrl(),
    model: bytes,
    sessionOptions: ONNX_SESSION_OPTIONS,
    inputName: ONNX_INPUT,
    outputNames: ONNX_OUTPUTS,
    inputSize: manifest.inputSize,
  };
  const script = await workerScript(import.meta.url, 'onnx-worker');
  // The worker has loaded its modules once it reports ready or fails: its files may go then.
  const runner = await startWorkerRunner({
    script: script.url,
    workerData,
    transferList: [bytes.buffer],
    name: 'onnxruntime',
    manifest,
    runtime: 'onnxruntime',
    backend: 'cpu',
    platform: 'onnxruntime_onnx',
    checkModel: (model) => checkOnnxModel(model, file, manifest.inputSize),
  }).finally(() => script.release());
  log.debug({ file, thread: 'worker' }, 'ONNX model loaded');
  return runner;
}
