import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Logger } from '@skinlesion/logger';
import type { BackendChoice } from './backend-choices.js';

export { BACKEND_CHOICES, type BackendChoice } from './backend-choices.js';

/** The optional native backend; a variable so that TypeScript does not require it to be installed. */
const TFJS_NODE_PACKAGE: string = '@tensorflow/tfjs-node';
/** The name tfjs-node registers its backend under. */
const TFJS_NODE_BACKEND = 'tensorflow';

/**
 * The folder holding the installed .wasm binaries. Emscripten in Node reads the binary from disk
 * with fs (never fetch) at this prefix; setting it explicitly keeps that true when the backend's
 * JavaScript is bundled or loaded from elsewhere.
 */
function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend "${name}" failed to initialise`);
  await tf.ready();
}

async function useWasm(): Promise<string> {
  setWasmPaths(wasmBinaryFolder());
  // TF.js never picks the threaded build under Node (its worker loader is browser-only), so this
  // selects the single-threaded SIMD binary; one thread per replica is also the scaling unit.
  setThreadsCount(1);
  await activate('wasm');
  return 'wasm';
}

/** Imports tfjs-node, which registers its backend; false when the package is not installed. */
async function importTfjsNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE_PACKAGE);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw new Error(`${TFJS_NODE_PACKAGE} is installed but failed to load`, { cause: error });
  }
}

async function useTfjsNode(): Promise<string> {
  if (!(await importTfjsNode())) throw new Error(`CLASSIFIER_BACKEND=tfjs-node but ${TFJS_NODE_PACKAGE} is not installed`);
  // tfjs-node registers its backend with the @tensorflow/tfjs-core it resolves; a different copy
  // of core than ours would leave our engine without it.
  if (tf.findBackendFactory(TFJS_NODE_BACKEND) === null) {
    throw new Error(`${TFJS_NODE_PACKAGE} loaded, but with another copy of @tensorflow/tfjs-core: install the same version as @tensorflow/tfjs`);
  }
  await activate(TFJS_NODE_BACKEND);
  return TFJS_NODE_BACKEND;
}

/**
 * Selects the TF.js backend and returns its name. 'auto' prefers native TensorFlow when
 * tfjs-node is installed, then WebAssembly, then the pure-JS CPU backend (slow, but always there).
 */
export async function initBackend(choice: BackendChoice, log: Logger): Promise<string> {
  // Production mode silences TF.js's console advice (e.g. "install tfjs-node") and debug checks.
  tf.enableProdMode();
  switch (choice) {
    case 'wasm':
      return useWasm();
    case 'tfjs-node':
      return useTfjsNode();
    case 'cpu':
      await activate('cpu');
      return 'cpu';
    case 'auto': {
      try {
        if (await importTfjsNode()) return await useTfjsNode();
      } catch (error) {
        log.warn({ err: error }, 'tfjs-node unusable: trying wasm');
      }
      try {
        return await useWasm();
      } catch (error) {
        log.warn({ err: error }, 'wasm backend unusable: falling back to the pure-JS cpu backend');
      }
      await activate('cpu');
      return 'cpu';
    }
  }
}
