import * as tf from '@tensorflow/tfjs';
import { createLogger } from '@skinlesion/logger';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/runtime/backend.js';

const log = createLogger('classifier-test', 'silent');

// tfjs-node is an optional dependency that is not installed here (its native binary comes from a
// host these machines cannot reach), which is exactly the case 'auto' must handle.
describe('initBackend', () => {
  it('auto falls back to wasm when tfjs-node is not installed', async () => {
    expect(await initBackend('auto', log)).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('refuses tfjs-node explicitly asked for but not installed', async () => {
    await expect(initBackend('tfjs-node', log)).rejects.toThrow('CLASSIFIER_BACKEND=tfjs-node but @tensorflow/tfjs-node is not installed');
  });

  it('selects the pure-JS cpu backend and computes on it', async () => {
    expect(await initBackend('cpu', log)).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.tidy(() => tf.square(tf.tensor1d([2, 3])).dataSync()))).toEqual([4, 9]);
    expect(await initBackend('wasm', log)).toBe('wasm');
  });
});
