import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'wasm' | 'cpu';

/**
 * Directory of the installed tfjs-backend-wasm binaries. In Node the backend's Emscripten loader
 * reads the .wasm file from disk (no fetch involved) when given a plain directory prefix ending in
 * a slash; without it, it looks beside the calling script and fails.
 */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/**
 * Selects a TF.js backend. 'wasm' is the serving backend (single-threaded SIMD build in Node:
 * the threaded build needs browser workers); 'cpu' is the pure-JS reference backend.
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'wasm') {
    setWasmPaths(wasmBinaryDir());
    setThreadsCount(1);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
}
