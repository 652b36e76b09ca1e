import * as tf from '@tensorflow/tfjs';
import { CAFFE_BGR_MEANS, SCALINGS, type ChannelOrder, type Scaling } from '@skinlesion/model-manifest';
import { createLogger } from '@skinlesion/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CropBatch } from '../src/domain/input-tensor.js';
import { ModelInputWriter, pixelTables } from '../src/domain/preprocess.js';
import { initBackend } from '../src/runtime/backend.js';

// Two pixels, RGB: pure-ish red and a grey-blue; values picked to make every formula visible.
const PIXELS = new Uint8Array([255, 0, 51, 100, 150, 200]);

function run(channelOrder: ChannelOrder, scaling: Scaling): number[] {
  const target = new Float32Array(6);
  new ModelInputWriter({ channelOrder, scaling }).write({ datatype: 'UINT8', count: 2, size: 1, data: PIXELS }, 0, 2, target, 0);
  return Array.from(target);
}

describe('ModelInputWriter', () => {
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

  it('writes a range of crops at a crop offset, and copies FP32 crops unchanged', () => {
    const writer = new ModelInputWriter({ channelOrder: 'BGR', scaling: 'symmetric' });
    const target = new Float32Array(4 * 3).fill(9);
    // Crop 1 of two 1 x 1 px crops, to crop slot 2 of the target.
    writer.write({ datatype: 'UINT8', count: 2, size: 1, data: PIXELS }, 1, 2, target, 2);
    expect(Array.from(target.subarray(0, 6))).toEqual([9, 9, 9, 9, 9, 9]);
    expect(Array.from(target.subarray(6, 9))).toEqual([200, 150, 100].map((v) => Math.fround(Math.fround(v / 127.5) - 1)));
    const floats: CropBatch = { datatype: 'FP32', count: 2, size: 1, data: Float32Array.of(0.5, -1, 3, 7, 8, 9) };
    writer.write(floats, 0, 2, target, 0);
    expect(Array.from(target.subarray(0, 6))).toEqual([0.5, -1, 3, 7, 8, 9]);
  });
});

describe('pixelTables: the same float32 values as TF.js computes', () => {
  beforeAll(async () => {
    expect(await initBackend('wasm', createLogger('classifier-test', 'silent'))).toBe('wasm');
  });

  // The formulas as TF.js tensor ops on float32 (what the classifier did before it preprocessed in JS).
  function tfjsValues(scaling: Scaling, channel: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.range(0, 256, 1, 'float32');
      const mean = [...CAFFE_BGR_MEANS].reverse()[channel];
      switch (scaling) {
        case 'unit':
          return tf.div(x, 255).dataSync() as Float32Array;
        case 'symmetric':
          return tf.sub(tf.div(x, 127.5), 1).dataSync() as Float32Array;
        case 'caffe':
          return tf.sub(x, tf.scalar(mean)).dataSync() as Float32Array;
        case 'raw':
          return x.dataSync() as Float32Array;
      }
    });
  }

  it.each(SCALINGS)('%s: bit for bit, for all 256 byte values', (scaling) => {
    const tables = pixelTables({ channelOrder: 'RGB', scaling });
    for (let channel = 0; channel < 3; channel += 1) {
      const expected = tfjsValues(scaling, channel);
      // Differences counted, not summed: any one would make the runtimes see different inputs.
      const different = tables[channel].filter((value, index) => value !== expected[index]).length;
      expect(different, `channel ${channel}`).toBe(0);
    }
  });
});
