import { CAFFE_BGR_MEANS, type ChannelOrder, type Scaling } from '@skinlesion/model-manifest';
import type { CropBatch } from './input-tensor.js';

export interface PixelSpec {
  readonly channelOrder: ChannelOrder;
  readonly scaling: Scaling;
}

/** The caffe means in the order of the model's channels. */
function caffeMeans(order: ChannelOrder): number[] {
  const bgr = [...CAFFE_BGR_MEANS];
  return order === 'BGR' ? bgr : bgr.reverse();
}

/**
 * The model input value of each 0..255 byte, per model channel, computed in float32 step by step
 * as TensorFlow computes the same formula on float32 tensors (x / 255; x / 127.5 - 1; x - mean
 * with the mean as float32), so that both runtimes see bit-identical inputs. Math.fround after
 * each operation: double arithmetic rounded to float32 is float32 arithmetic for + - * /.
 */
export function pixelTables(spec: PixelSpec): Float32Array[] {
  const f = Math.fround;
  const means = caffeMeans(spec.channelOrder);
  return [0, 1, 2].map((channel) =>
    Float32Array.from({ length: 256 }, (_, value) => {
      switch (spec.scaling) {
        case 'unit':
          return f(value / 255);
        case 'symmetric':
          return f(f(value / 127.5) - 1);
        case 'caffe':
          return f(value - f(means[channel]));
        case 'raw':
          return value;
      }
    }),
  );
}

/**
 * Writes crops into a model input batch (NHWC float32): UINT8 crops become the model's channel
 * order and scale, as its manifest says; FP32 crops are already in that order and scale and are
 * copied unchanged.
 */
export class ModelInputWriter {
  private readonly tables: Float32Array[];
  /** Source colour of each model channel: BGR reads R, G, B backwards. */
  private readonly sources: readonly number[];

  constructor(spec: PixelSpec) {
    this.tables = pixelTables(spec);
    this.sources = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  }

  /** Copies crops [start, end) of `crops` into `target` from crop index `at` on. */
  write(crops: CropBatch, start: number, end: number, target: Float32Array, at: number): void {
    const perCrop = crops.size * crops.size * 3;
    const from = start * perCrop;
    const to = end * perCrop;
    let out = at * perCrop;
    if (crops.datatype === 'FP32') {
      target.set(crops.data.subarray(from, to), out);
      return;
    }
    const pixels = crops.data;
    const [t0, t1, t2] = this.tables;
    const [s0, s1, s2] = this.sources;
    for (let index = from; index < to; index += 3, out += 3) {
      target[out] = t0[pixels[index + s0]];
      target[out + 1] = t1[pixels[index + s1]];
      target[out + 2] = t2[pixels[index + s2]];
    }
  }
}
