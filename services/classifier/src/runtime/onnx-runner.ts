import type { Logger } from '@skinlesion/logger';
import type { Manifest } from '@skinlesion/model-manifest';
import { checkOnnxModel, ONNX_INPUT, ONNX_OUTPUTS, ONNX_SESSION_OPTIONS, readCurrentExport } from './onnx-export.js';
import type { ModelRunner } from './runner.js';

export { StaleExportError } from './onnx-export.js';

/**
 * The ONNX Runtime runtime on the calling thread: the manifest's current ONNX export (see
 * readCurrentExport) on the CPU execution provider, one thread. session.run occupies the calling
 * thread for the whole batch, so the service runs the model in a worker (onnx-worker-runner.ts);
 * this one measures the raw limit without any hand-off.
 */
export async function loadOnnxRunner(modelDir: string, manifest: Manifest, log: Logger): Promise<ModelRunner> {
  const { file, bytes } = await readCurrentExport(modelDir, manifest);
  // Imported here, not at the top: a missing or broken native binary must not stop the TF.js runtime.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, ONNX_SESSION_OPTIONS);
  try {
    checkOnnxModel(
      {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputs: session.inputMetadata.map((info) => ({ name: info.name, isTensor: info.isTensor, ...(info.isTensor ? { shape: info.shape } : {}) })),
      },
      file,
      manifest.inputSize,
    );
    log.debug({ file, inputs: session.inputNames, outputs: session.outputNames, thread: 'caller' }, 'ONNX model loaded');
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
      const results = await session.run({ [ONNX_INPUT]: tensor }, [...ONNX_OUTPUTS]);
      return { probabilities: results['probabilities'].data as Float32Array, embedding: results['embedding'].data as Float32Array, input };
    },
    dispose() {
      released ??= session.release();
      return released;
    },
  };
}
