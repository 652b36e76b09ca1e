import * as tf from '@tensorflow/tfjs';
import { createLogger } from '@skinlesion/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import { pixelsToModelInput, preprocess } from '../src/domain/preprocess.js';
import { initBackend } from '../src/runtime/backend.js';

// Two pixels, RGB: pure-ish red and a grey-blue; values picked to make every formula visible.
const PIXELS = new Uint8Array([255, 0, 51, 100, 150, 200]);
const shape: [number, number, number, number] = [1, 1, 2, 3];

function run(channelOrder: 'RGB' | 'BGR', scaling: 'unit' | 'symmetric' | 'caffe' | 'raw'): number[] {
  const input = tf.tensor4d(PIXELS, shape, 'float32');
  const output = preprocess(input, { channelOrder, scaling });
  const values = Array.from(output.dataSync());
  input.dispose();
  output.dispose();
  return values;
}

describe('preprocess', () => {
  beforeAll(async () => {
    expect(await initBackend('wasm', createLogger('classifier-test', 'silent'))).toBe('wasm');
  });

  it('unit: x / 255 in RGB order', () => {
    const expected = [1, 0, 0.2, 100 / 255, 150 / 255, 200 / 255];
    run('RGB', 'unit').forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
  });

  it('symmetric: x / 127.5 - 1', () => {
    const expected = [1, -1, 51 / 127.5 - 1, 100 / 127.5 - 1, 150 / 127.5 - 1, 200 / 127.5 - 1];
    run('RGB', 'symmetric').forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
  });

  it('caffe: swaps to BGR, then subtracts the BGR ImageNet means without scaling', () => {
    // Pixel 1 BGR = (51, 0, 255); pixel 2 BGR = (200, 150, 100); means B 103.939, G 116.779, R 123.68.
    const expected = [51 - 103.939, 0 - 116.779, 255 - 123.68, 200 - 103.939, 150 - 116.779, 100 - 123.68];
    run('BGR', 'caffe').forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
  });

  it('caffe in RGB order: each colour loses its own mean', () => {
    const expected = [255 - 123.68, 0 - 116.779, 51 - 103.939, 100 - 123.68, 150 - 116.779, 200 - 103.939];
    run('RGB', 'caffe').forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
  });

  it('raw: 0..255 floats, only the channel order applied', () => {
    expect(run('RGB', 'raw')).toEqual([255, 0, 51, 100, 150, 200]);
    expect(run('BGR', 'raw')).toEqual([51, 0, 255, 200, 150, 100]);
  });

  it('unit in BGR order: swap first, same scale', () => {
    const expected = [0.2, 0, 1, 200 / 255, 150 / 255, 100 / 255];
    run('BGR', 'unit').forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
  });

  it('builds the model input from UINT8 bytes and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    // Two crops of 1 x 1 px.
    const input = pixelsToModelInput(PIXELS, 2, 1, { channelOrder: 'RGB', scaling: 'symmetric' });
    expect(input.shape).toEqual([2, 1, 1, 3]);
    const values = Array.from(input.dataSync());
    expect(values[0]).toBeCloseTo(1, 6);
    expect(values[5]).toBeCloseTo(200 / 127.5 - 1, 6);
    input.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
