import { CAFFE_BGR_MEANS, type ChannelOrder, type Scaling } from '@skinlesion/model-manifest';
import type { RgbImage } from './image.js';

/**
 * RGB crops as a model input batch (NHWC float32) in the manifest's channel order and scaling,
 * as the classifier feeds a model: unit v/255, symmetric v/127.5 - 1, caffe v - ImageNet mean of
 * the colour, raw v.
 */
export function modelInput(images: readonly RgbImage[], spec: { readonly channelOrder: ChannelOrder; readonly scaling: Scaling }): Float32Array {
  const first = images[0];
  if (first === undefined) return new Float32Array(0);
  const per = first.width * first.height * 3;
  const out = new Float32Array(images.length * per);
  // Caffe means are listed B, G, R; index them by source colour R, G, B.
  const meanOfColour = [CAFFE_BGR_MEANS[2], CAFFE_BGR_MEANS[1], CAFFE_BGR_MEANS[0]];
  const value = (v: number, colour: number): number => {
    switch (spec.scaling) {
      case 'unit':
        return v / 255;
      case 'symmetric':
        return v / 127.5 - 1;
      case 'caffe':
        return v - (meanOfColour[colour] as number);
      case 'raw':
        return v;
    }
  };
  const colours = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  images.forEach((img, n) => {
    if (img.width * img.height * 3 !== per) throw new Error('modelInput: crops differ in size');
    const base = n * per;
    for (let p = 0; p < per; p += 3) {
      for (let c = 0; c < 3; c++) {
        const colour = colours[c] as number;
        out[base + p + c] = value(img.data[p + colour] as number, colour);
      }
    }
  });
  return out;
}
