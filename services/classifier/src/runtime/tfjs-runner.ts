import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@skinlesion/logger';
import type { Manifest } from '@skinlesion/model-manifest';
import { initBackend, type BackendChoice } from './backend.js';
import { loadModel } from './model.js';
import type { ModelRunner } from './runner.js';

/**
 * The TF.js runtime: selects the backend, loads the layers or graph model and runs batches
 * synchronously on the JS thread (the wasm backend is single-threaded here).
 */
export async function loadTfjsRunner(modelDir: string, manifest: Manifest, backendChoice: BackendChoice, log: Logger): Promise<ModelRunner> {
  const backend = await initBackend(backendChoice, log);
  const model = await loadModel(modelDir, manifest);
  const size = manifest.inputSize;
  let disposed = false;
  return {
    manifest,
    runtime: 'tfjs',
    backend,
    platform: model.platform,
    async run(input, count) {
      // dataSync copies out of the backend: nothing outlives tidy, and the input buffer is free again.
      const [probabilities, embedding] = tf.tidy(() =>
        model.predict(tf.tensor4d(input.subarray(0, count * size * size * 3), [count, size, size, 3])).map((tensor) => tensor.dataSync() as Float32Array),
      );
      return { probabilities, embedding, input };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
