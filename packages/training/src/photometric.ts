import { clampByte, createRgb, type RgbImage } from './image.js';
import type { Rng } from './rng.js';

/** Strengths of the photometric augmentation; all factors are multiplicative around 1. */
export interface PhotometricOptions {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  /** Per-channel gain spread: white balance of different cameras and lamps. */
  readonly channelGain: number;
  readonly blurProbability: number;
  /** Largest Gaussian blur sigma, px at the output size. */
  readonly maxBlurSigma: number;
  readonly noiseProbability: number;
  /** Largest sensor-noise standard deviation, in 8-bit levels. */
  readonly maxNoise: number;
}

export const DEFAULT_PHOTOMETRIC: PhotometricOptions = {
  brightness: 0.2,
  contrast: 0.2,
  saturation: 0.25,
  channelGain: 0.08,
  blurProbability: 0.3,
  maxBlurSigma: 1.5,
  noiseProbability: 0.3,
  maxNoise: 5,
};

/** Colour jitter, then blur, then noise: the order a camera applies them in reverse is irrelevant here. */
export function jitterPhotometric(image: RgbImage, rng: Rng, options: PhotometricOptions = DEFAULT_PHOTOMETRIC): RgbImage {
  let out = jitterColour(image, rng, options);
  if (rng.chance(options.blurProbability)) out = gaussianBlur(out, rng.uniform(0.4, options.maxBlurSigma));
  if (rng.chance(options.noiseProbability)) out = addNoise(out, rng.uniform(1, options.maxNoise), rng);
  return out;
}

function jitterColour(image: RgbImage, rng: Rng, o: PhotometricOptions): RgbImage {
  const brightness = rng.uniform(1 - o.brightness, 1 + o.brightness);
  const contrast = rng.uniform(1 - o.contrast, 1 + o.contrast);
  const saturation = rng.uniform(1 - o.saturation, 1 + o.saturation);
  const gains = [0, 1, 2].map(() => rng.uniform(1 - o.channelGain, 1 + o.channelGain));
  const src = image.data;
  let mean = 0;
  for (let i = 0; i < src.length; i++) mean += src[i] as number;
  mean /= src.length;
  const out = createRgb(image.width, image.height);
  for (let p = 0; p < src.length; p += 3) {
    const r = src[p] as number;
    const g = src[p + 1] as number;
    const b = src[p + 2] as number;
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    const channels = [r, g, b];
    for (let c = 0; c < 3; c++) {
      let v = grey + ((channels[c] as number) - grey) * saturation;
      v = mean + (v - mean) * contrast;
      out.data[p + c] = clampByte(v * brightness * (gains[c] as number));
    }
  }
  return out;
}

export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const kernel: number[] = [];
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel.push(v);
    sum += v;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / sum;
  const { width: w, height: h } = image;
  const tmp = new Float32Array(w * h * 3);
  const src = image.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = Math.min(w - 1, Math.max(0, x + k));
          acc += (src[(y * w + xx) * 3 + c] as number) * (kernel[k + radius] as number);
        }
        tmp[(y * w + x) * 3 + c] = acc;
      }
    }
  }
  const out = createRgb(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = -radius; k <= radius; k++) {
          const yy = Math.min(h - 1, Math.max(0, y + k));
          acc += (tmp[(yy * w + x) * 3 + c] as number) * (kernel[k + radius] as number);
        }
        out.data[(y * w + x) * 3 + c] = clampByte(acc);
      }
    }
  }
  return out;
}

function addNoise(image: RgbImage, sigma: number, rng: Rng): RgbImage {
  const out = createRgb(image.width, image.height);
  for (let i = 0; i < image.data.length; i++) out.data[i] = clampByte((image.data[i] as number) + rng.normal() * sigma);
  return out;
}
