import type { ImageFormat, Split, SynthOptions } from './types.js';

export interface ResolvedOptions {
  width: number;
  height: number;
  lesions: number;
  seed: number;
  dataDir: string | null;
  split: Split;
  backgroundShare: number;
  oddLesion: boolean;
  minDiameter: number;
  maxDiameter: number;
  format: ImageFormat;
  quality: number;
}

export const DEFAULTS = {
  width: 1600,
  height: 1200,
  lesions: 20,
  seed: 1,
  split: 'all',
  backgroundShare: 0.15,
  oddLesion: true,
  // 14 px: a detector with a 100 px minimum area misses lesions under ~11 px; keep a margin.
  minDiameter: 14,
  maxDiameter: 60,
  format: 'jpeg',
  quality: 92,
} as const satisfies Omit<ResolvedOptions, 'dataDir'>;

// 16384 px a side (268 MP, 800 MB of RGB) is beyond any camera; the bound keeps a typo from
// allocating gigabytes.
const MAX_SIDE = 16384;
const MIN_SIDE = 64;

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function numberIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and rejects values that cannot make a photo, naming the offending option. */
export function resolveOptions(options: SynthOptions = {}): ResolvedOptions {
  const width = integerIn('width', options.width ?? DEFAULTS.width, MIN_SIDE, MAX_SIDE);
  const height = integerIn('height', options.height ?? DEFAULTS.height, MIN_SIDE, MAX_SIDE);
  const lesions = integerIn('lesions', options.lesions ?? DEFAULTS.lesions, 0, 2000);
  const seed = options.seed ?? DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${String(seed)}`);
  const split = options.split ?? DEFAULTS.split;
  if (split !== 'dev' && split !== 'holdout' && split !== 'all') {
    throw new RangeError(`split must be 'dev', 'holdout' or 'all', got ${String(split)}`);
  }
  const format = options.format ?? DEFAULTS.format;
  if (format !== 'jpeg' && format !== 'png') {
    throw new RangeError(`format must be 'jpeg' or 'png', got ${String(format)}`);
  }
  const minDiameter = numberIn('minDiameter', options.minDiameter ?? DEFAULTS.minDiameter, 4, 1000);
  const maxDiameter = numberIn(
    'maxDiameter',
    options.maxDiameter ?? Math.max(DEFAULTS.maxDiameter, minDiameter),
    minDiameter,
    1000,
  );
  const dataDir = options.dataDir ?? null;
  if (dataDir !== null && (typeof dataDir !== 'string' || dataDir.length === 0)) {
    throw new TypeError('dataDir must be a non-empty path');
  }
  return {
    width,
    height,
    lesions,
    seed,
    dataDir,
    split,
    backgroundShare: numberIn('backgroundShare', options.backgroundShare ?? DEFAULTS.backgroundShare, 0, 0.9),
    oddLesion: options.oddLesion ?? DEFAULTS.oddLesion,
    minDiameter,
    maxDiameter,
    format,
    quality: integerIn('quality', options.quality ?? DEFAULTS.quality, 1, 100),
  };
}
