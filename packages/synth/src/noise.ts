import type { Rng } from './prng.js';

/**
 * Smooth random fields for shading and texture: value noise on a lattice, and a box blur that
 * approximates a Gaussian. Both work on small grids; full-resolution pixels interpolate them.
 */

export interface NoiseField {
  /** Value in about [-1, 1] at a point given in lattice cells. */
  at(u: number, v: number): number;
}

/** Value noise: random lattice values joined by smoothstep interpolation (no grid artefacts). */
export function valueNoise(rng: Rng, cellsX: number, cellsY: number): NoiseField {
  const nx = Math.max(1, Math.ceil(cellsX)) + 2;
  const ny = Math.max(1, Math.ceil(cellsY)) + 2;
  const lattice = new Float32Array(nx * ny);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.uniform(-1, 1);
  return {
    at(u, v) {
      const cu = Math.min(Math.max(u, 0), nx - 1.001);
      const cv = Math.min(Math.max(v, 0), ny - 1.001);
      const i = Math.floor(cu);
      const j = Math.floor(cv);
      const fu = cu - i;
      const fv = cv - j;
      const su = fu * fu * (3 - 2 * fu);
      const sv = fv * fv * (3 - 2 * fv);
      const row = j * nx + i;
      const top = lattice[row] + (lattice[row + 1] - lattice[row]) * su;
      const bottom = lattice[row + nx] + (lattice[row + nx + 1] - lattice[row + nx]) * su;
      return top + (bottom - top) * sv;
    },
  };
}

/**
 * Sum of octaves of value noise over a w x h grid, the coarsest octave with cells of
 * `cellSize` grid units, each further octave half the size and half the weight. Result in
 * about [-1, 1].
 */
export function fractalNoise(rng: Rng, w: number, h: number, cellSize: number, octaves: number): NoiseField {
  const layers: { field: NoiseField; scale: number; weight: number }[] = [];
  let size = cellSize;
  let weight = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const scale = 1 / Math.max(size, 1e-6);
    layers.push({ field: valueNoise(rng, w * scale + 1, h * scale + 1), scale, weight });
    total += weight;
    size /= 2;
    weight /= 2;
  }
  return {
    at(x, y) {
      let sum = 0;
      for (const layer of layers) sum += layer.weight * layer.field.at(x * layer.scale, y * layer.scale);
      return sum / total;
    },
  };
}

/** One horizontal and one vertical running-mean pass of the given radius, edges clamped. */
function boxBlurOnce(src: Float32Array, dst: Float32Array, w: number, h: number, radius: number): void {
  const tmp = new Float32Array(w * h);
  const span = 2 * radius + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let acc = 0;
    for (let k = -radius; k <= radius; k++) acc += src[row + Math.min(Math.max(k, 0), w - 1)];
    for (let x = 0; x < w; x++) {
      tmp[row + x] = acc / span;
      acc += src[row + Math.min(x + radius + 1, w - 1)] - src[row + Math.max(x - radius, 0)];
    }
  }
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let k = -radius; k <= radius; k++) acc += tmp[Math.min(Math.max(k, 0), h - 1) * w + x];
    for (let y = 0; y < h; y++) {
      dst[y * w + x] = acc / span;
      acc += tmp[Math.min(y + radius + 1, h - 1) * w + x] - tmp[Math.max(y - radius, 0) * w + x];
    }
  }
}

/**
 * Gaussian-like blur of a single-channel grid: three box passes whose combined variance matches
 * a Gaussian of the given sigma (in grid units).
 */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  // Three boxes of radius r have variance 3 * ((2r + 1)^2 - 1) / 12 = sigma^2.
  const radius = Math.max(0, Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2));
  const out = new Float32Array(src);
  if (radius === 0) return out;
  for (let pass = 0; pass < 3; pass++) boxBlurOnce(out, out, w, h, radius);
  return out;
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}
