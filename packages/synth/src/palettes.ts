import type { Rng } from './prng.js';

export type Rgb = readonly [number, number, number];

/**
 * Skin tones from very light to brown, as 8-bit sRGB. Each tone, scaled anywhere from 60 % to
 * 115 % brightness (shading, lighting), lies inside the skin mask of pipeline.md step 2 (HSV hue
 * <= 35 on OpenCV's 0..179 scale, saturation >= 3; YCrCb Cr 130..180, Cb 77..130; checked with
 * OpenCV), so the skin fraction of a photo is what its outline says. The darkest tone stays at
 * grey ~90 so that lesions on it keep enough contrast for a threshold ladder in steps of 10.
 */
const SKIN_TONES: readonly Rgb[] = [
  [232, 198, 178],
  [224, 180, 156],
  [206, 158, 128],
  [184, 134, 102],
  [158, 108, 80],
  [124, 82, 60],
];

/** A skin tone somewhere along the palette, with a small per-channel variation. */
export function pickSkinTone(rng: Rng): Rgb {
  const t = rng.next() * (SKIN_TONES.length - 1);
  const i = Math.min(Math.floor(t), SKIN_TONES.length - 2);
  const f = t - i;
  const a = SKIN_TONES[i];
  const b = SKIN_TONES[i + 1];
  // +-2 %: enough to tell photos apart, too little to leave the skin mask.
  const jitter = (): number => 1 + rng.uniform(-0.02, 0.02);
  return [(a[0] + (b[0] - a[0]) * f) * jitter(), (a[1] + (b[1] - a[1]) * f) * jitter(), (a[2] + (b[2] - a[2]) * f) * jitter()];
}

export interface BackdropMaterial {
  name: string;
  colour: Rgb;
  /** Vertical folds of a hanging cloth (true) or a flat wall (false). */
  folds: boolean;
  /** Amplitude of the blotchy low-frequency texture, as a share of the colour. */
  blotch: number;
  /** Amplitude of the per-pixel weave or paint grain, in 8-bit levels. */
  grain: number;
}

/**
 * Materials behind the patient. All have red below luma (YCrCb Cr < 128) at any brightness, so
 * none passes the skin mask.
 */
const BACKDROPS: readonly BackdropMaterial[] = [
  { name: 'slate wall', colour: [58, 64, 72], folds: false, blotch: 0.08, grain: 4 },
  { name: 'teal drape', colour: [38, 96, 102], folds: true, blotch: 0.06, grain: 5 },
  { name: 'navy cloth', colour: [34, 44, 78], folds: true, blotch: 0.07, grain: 5 },
  { name: 'green cloth', colour: [40, 72, 56], folds: true, blotch: 0.07, grain: 5 },
  { name: 'blue-grey wall', colour: [92, 102, 116], folds: false, blotch: 0.06, grain: 3 },
];

export function pickBackdrop(rng: Rng): BackdropMaterial {
  return rng.pick(BACKDROPS);
}
