import * as tf from '@tensorflow/tfjs';
import { CAFFE_BGR_MEANS, type ChannelOrder, type Scaling } from '@skinlesion/model-manifest';

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
 * Turns RGB pixels (float32, 0..255, NHWC) into the model's input as its manifest describes:
 * channel order first, then scaling; caffe means follow the colours, whatever their order.
 */
export function preprocess(rgb: tf.Tensor4D, spec: PixelSpec): tf.Tensor4D {
  return tf.tidy(() => {
    const ordered = spec.channelOrder === 'BGR' ? tf.reverse(rgb, -1) : rgb;
    switch (spec.scaling) {
      case 'unit':
        return tf.div(ordered, 255);
      case 'symmetric':
        return tf.sub(tf.div(ordered, 127.5), 1);
      case 'caffe':
        return tf.sub(ordered, tf.tensor1d(caffeMeans(spec.channelOrder)));
      case 'raw':
        // A new tensor either way, so the caller owns input and output independently.
        return ordered.clone();
    }
  });
}

/** Builds the model input for n UINT8 crops of size x size x 3 (RGB, row-major). */
export function pixelsToModelInput(pixels: Uint8Array, count: number, size: number, spec: PixelSpec): tf.Tensor4D {
  return tf.tidy(() => preprocess(tf.tensor4d(pixels, [count, size, size, 3], 'float32'), spec));
}

/** FP32 crops are already in the model's channel order and scale: they go in unchanged. */
export function floatsToModelInput(values: Float32Array, count: number, size: number): tf.Tensor4D {
  return tf.tensor4d(values, [count, size, size, 3], 'float32');
}
