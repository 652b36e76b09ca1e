import type { Body } from './body.js';
import { fractalNoise, gaussianBlur, smoothstep } from './noise.js';
import type { BackdropMaterial, Rgb } from './palettes.js';
import type { Rng } from './prng.js';

/**
 * Renders bare skin on the body and the backdrop around it, without lesions.
 *
 * Everything that varies slowly (lighting, shading, the darkening where the body curves away,
 * the spine, the shadow on the backdrop) is computed on a coarse grid and interpolated; only
 * the fine texture (skin micro-relief, pores, cloth grain) is drawn per pixel. That keeps a
 * 12 MP photo well under a second.
 */

/** Coarse grid spacing in px. */
const GRID = 8;
/** Micro-relief lattice spacing in px: skin texture at the scale of a few pixels. */
const RELIEF = 3;

export interface SkinLook {
  tone: Rgb;
  backdrop: BackdropMaterial;
}

interface CoarseFields {
  /** Grid width in nodes; node (i, j) sits at pixel (i * GRID, j * GRID). */
  gw: number;
  /** RGB per node. */
  skin: Float32Array;
  backdrop: Float32Array;
}

function coarseFields(rng: Rng, body: Body, look: SkinLook): CoarseFields {
  const { width: w, height: h } = body;
  const gw = Math.ceil(w / GRID) + 2;
  const gh = Math.ceil(h / GRID) + 2;
  const short = Math.min(w, h);

  const inside = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    const y = j * GRID;
    const l = body.left(y);
    const r = body.right(y);
    for (let i = 0; i < gw; i++) {
      const x = i * GRID;
      inside[j * gw + i] = x >= l && x <= r ? 1 : 0;
    }
  }
  // The body curves away from the camera over its outer ~4 % and casts a soft shadow beyond it.
  const rim = gaussianBlur(inside, gw, gh, (0.04 * short) / GRID);
  const shadow = gaussianBlur(inside, gw, gh, (0.025 * short) / GRID);

  const lightAngle = rng.uniform(0, 2 * Math.PI);
  const lightSlope = rng.uniform(0.05, 0.12);
  const shading = fractalNoise(rng, gw, gh, (0.35 * short) / GRID, 3);
  const blotch = fractalNoise(rng, gw, gh, (0.12 * short) / GRID, 2);
  const backdropNoise = fractalNoise(rng, gw, gh, (0.2 * short) / GRID, 3);
  const foldPeriod = rng.uniform(0.08, 0.16) * w;
  const foldPhase = rng.uniform(0, 2 * Math.PI);
  const foldWobble = fractalNoise(rng, gw, gh, (0.3 * short) / GRID, 1);
  const spineDepth = rng.uniform(0.02, 0.045);
  const spineWidth = rng.uniform(0.018, 0.03) * w;
  const bladeLift = rng.uniform(0.015, 0.035);

  const [tr, tg, tb] = look.tone;
  const [br, bg, bb] = look.backdrop.colour;
  const skin = new Float32Array(gw * gh * 3);
  const backdrop = new Float32Array(gw * gh * 3);
  const cosA = Math.cos(lightAngle);
  const sinA = Math.sin(lightAngle);

  for (let j = 0; j < gh; j++) {
    const y = j * GRID;
    const t = y / h;
    const mid = body.midline(y);
    const half = Math.min(body.right(y), w * 4) - mid;
    for (let i = 0; i < gw; i++) {
      const x = i * GRID;
      const k = j * gw + i;
      const nx = x / w - 0.5;
      const ny = y / h - 0.5;
      // Flash fall-off, 10 % darker in the corners (nx^2 + ny^2 = 0.5), plus a directional key light.
      const light = (1 - 0.2 * (nx * nx + ny * ny)) * (1 + lightSlope * 2 * (nx * cosA + ny * sinA));
      const shade = 1 + 0.035 * shading.at(i, j);
      const curve = 1 - 0.28 * (1 - smoothstep(0.5, 1, rim[k])) ** 1.5;
      // Spine furrow, deepest mid-back and fading towards the neck.
      const dx = (x - mid) / spineWidth;
      const spine = 1 - spineDepth * Math.exp(-dx * dx) * smoothstep(0.05, 0.35, t);
      // Shoulder blades catch a little more light.
      const bx = (Math.abs(x - mid) / Math.max(half, 1) - 0.45) / 0.18;
      const by = (t - 0.32) / 0.12;
      const blades = 1 + bladeLift * Math.exp(-(bx * bx + by * by));
      const base = light * shade * curve * spine * blades;
      // Blotchy redness: a little more red and a little less green in patches.
      const redness = blotch.at(i, j);
      skin[3 * k] = tr * base * (1 + 0.025 * redness);
      skin[3 * k + 1] = tg * base * (1 - 0.01 * redness);
      skin[3 * k + 2] = tb * base;

      const folds = look.backdrop.folds
        ? 1 + 0.1 * Math.sin((2 * Math.PI * x) / foldPeriod + foldPhase + 1.5 * foldWobble.at(i, j))
        : 1;
      const dark = (1 + look.backdrop.blotch * backdropNoise.at(i, j)) * folds * light * (1 - 0.35 * shadow[k]);
      backdrop[3 * k] = br * dark;
      backdrop[3 * k + 1] = bg * dark;
      backdrop[3 * k + 2] = bb * dark;
    }
  }
  return { gw, skin, backdrop };
}

/** Share of pixel column [x, x + 1) covered by the span [l, r). */
function cover(x: number, l: number, r: number): number {
  return Math.max(0, Math.min(x + 1, r) - Math.max(x, l));
}

/** `length` values linearly interpolated between the grid rows starting at row0 and row1. */
function lerpRows(grid: Float32Array, row0: number, row1: number, t: number, length: number, out: Float32Array): void {
  for (let i = 0; i < length; i++) out[i] = grid[row0 + i] + (grid[row1 + i] - grid[row0 + i]) * t;
}

/** xorshift32 step; the per-pixel grain generator (a full PRNG call per pixel would be slower). */
function xorshift(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}

/** Triangular noise in [-1, 1) from the two 16-bit halves of one xorshift draw. */
function triangular(state: number): number {
  return ((state & 0xffff) + (state >>> 16)) / 65536 - 1;
}

/**
 * The bare photo as packed 8-bit RGB. `rng` drives the shading fields and the micro-relief;
 * `grainSeed` the per-pixel grain.
 */
export function renderBackdrop(rng: Rng, grainSeed: number, body: Body, look: SkinLook): Uint8ClampedArray {
  const { width: w, height: h } = body;
  const { gw, skin, backdrop } = coarseFields(rng, body, look);
  const out = new Uint8ClampedArray(w * h * 3);

  const rw = Math.ceil(w / RELIEF) + 2;
  const rh = Math.ceil(h / RELIEF) + 2;
  const relief = new Float32Array(rw * rh);
  let reliefState = rng.uint32() || 1;
  for (let i = 0; i < relief.length; i++) {
    reliefState = xorshift(reliefState);
    relief[i] = reliefState / 2147483648 - 1;
  }

  // Per-column interpolation indices and weights, shared by every row.
  const gx = new Int32Array(w);
  const gwx = new Float32Array(w);
  const rx = new Int32Array(w);
  const rwx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const u = (x + 0.5) / GRID;
    gx[x] = 3 * Math.floor(u);
    gwx[x] = u - Math.floor(u);
    const v = (x + 0.5) / RELIEF;
    rx[x] = Math.floor(v);
    rwx[x] = v - rx[x];
  }
  // The current row of each field, interpolated vertically once per row.
  const skinRow = new Float32Array(gw * 3);
  const backdropRow = new Float32Array(gw * 3);
  const reliefRow = new Float32Array(rw);
  const edgeBackdrop = new Float32Array(w * 3);

  let state = grainSeed >>> 0 || 0x9e3779b9;
  const grain = look.backdrop.grain;

  /** Backdrop pixels [from, to) of the current row into `target` at 3 * x + `offset`. */
  const paintBackdrop = (target: Uint8ClampedArray | Float32Array, offset: number, from: number, to: number): void => {
    let s = state;
    for (let x = from; x < to; x++) {
      s = xorshift(s);
      const n = grain * triangular(s);
      const i = gx[x];
      const f = gwx[x];
      const p = offset + 3 * x;
      target[p] = backdropRow[i] + (backdropRow[i + 3] - backdropRow[i]) * f + n;
      target[p + 1] = backdropRow[i + 1] + (backdropRow[i + 4] - backdropRow[i + 1]) * f + n;
      target[p + 2] = backdropRow[i + 2] + (backdropRow[i + 5] - backdropRow[i + 2]) * f + n;
    }
    state = s;
  };

  /** Skin pixels [from, to) of the current row into `out` at 3 * x + `offset`. */
  const paintSkin = (offset: number, from: number, to: number): void => {
    let s = state;
    for (let x = from; x < to; x++) {
      s = xorshift(s);
      const n = 3.2 * triangular(s); // grain of +-3 levels, like a good camera's sensor noise
      const j = rx[x];
      const tex = 1 + 0.022 * (reliefRow[j] + (reliefRow[j + 1] - reliefRow[j]) * rwx[x]);
      const i = gx[x];
      const f = gwx[x];
      const p = offset + 3 * x;
      out[p] = (skinRow[i] + (skinRow[i + 3] - skinRow[i]) * f) * tex + n;
      out[p + 1] = (skinRow[i + 1] + (skinRow[i + 4] - skinRow[i + 1]) * f) * tex + 0.92 * n;
      out[p + 2] = (skinRow[i + 2] + (skinRow[i + 5] - skinRow[i + 2]) * f) * tex + 0.85 * n;
    }
    state = s;
  };

  const clampX = (x: number): number => Math.min(Math.max(x, 0), w);
  for (let y = 0; y < h; y++) {
    const v = (y + 0.5) / GRID;
    const gy = Math.floor(v);
    lerpRows(skin, 3 * gy * gw, 3 * (gy + 1) * gw, v - gy, 3 * gw, skinRow);
    lerpRows(backdrop, 3 * gy * gw, 3 * (gy + 1) * gw, v - gy, 3 * gw, backdropRow);
    const rv = (y + 0.5) / RELIEF;
    const ry = Math.floor(rv);
    lerpRows(relief, ry * rw, (ry + 1) * rw, rv - ry, rw, reliefRow);

    // Two sub-rows anti-alias the outline where it runs nearly horizontally (the shoulders).
    const la = body.left(y + 0.25);
    const ra = body.right(y + 0.25);
    const lb = body.left(y + 0.75);
    const rb = body.right(y + 0.75);
    // Columns [anyFrom, anyTo) touch skin; [fullFrom, fullTo) are wholly skin.
    const anyFrom = clampX(Math.floor(Math.min(la, lb)));
    const anyTo = clampX(Math.ceil(Math.max(ra, rb)));
    const fullFrom = Math.min(clampX(Math.ceil(Math.max(la, lb))), anyTo);
    const fullTo = Math.max(clampX(Math.floor(Math.min(ra, rb))), fullFrom);
    const offset = y * w * 3;

    paintBackdrop(out, offset, 0, anyFrom);
    paintSkin(offset, anyFrom, anyTo);
    paintBackdrop(out, offset, anyTo, w);
    // Outline pixels: blend skin and backdrop by the share of the pixel the body covers.
    paintBackdrop(edgeBackdrop, 0, anyFrom, fullFrom);
    paintBackdrop(edgeBackdrop, 0, fullTo, anyTo);
    for (let x = anyFrom; x < anyTo; x++) {
      if (x === fullFrom) x = fullTo;
      if (x >= anyTo) break;
      const c = 0.5 * (cover(x, la, ra) + cover(x, lb, rb));
      const p = offset + 3 * x;
      out[p] = out[p] * c + edgeBackdrop[3 * x] * (1 - c);
      out[p + 1] = out[p + 1] * c + edgeBackdrop[3 * x + 1] * (1 - c);
      out[p + 2] = out[p + 2] * c + edgeBackdrop[3 * x + 2] * (1 - c);
    }
  }
  return out;
}

/**
 * Pores: tiny soft dark dots scattered over the skin. Each covers 3 x 3 px, far below the 100 px
 * minimum area of the blob detector, so they texture the skin without becoming candidates.
 */
export function addPores(rng: Rng, body: Body, rgb: Uint8ClampedArray): void {
  const { width: w, height: h, skinBox } = body;
  const area = (skinBox.x1 - skinBox.x0) * (skinBox.y1 - skinBox.y0);
  const count = Math.round(area / 220); // one pore per ~15 x 15 px of skin
  const weights = [0.2, 0.45, 0.2, 0.45, 1, 0.45, 0.2, 0.45, 0.2];
  for (let n = 0; n < count; n++) {
    const x = Math.floor(rng.uniform(skinBox.x0 + 1, skinBox.x1 - 1));
    const y = Math.floor(rng.uniform(skinBox.y0 + 1, skinBox.y1 - 1));
    const depth = rng.uniform(0.03, 0.09);
    if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
    if (x - 2 < body.left(y) || x + 2 > body.right(y)) continue;
    let k = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++, k++) {
        const p = 3 * ((y + dy) * w + x + dx);
        const f = 1 - depth * weights[k];
        rgb[p] = rgb[p] * f;
        rgb[p + 1] = rgb[p + 1] * f;
        rgb[p + 2] = rgb[p + 2] * (f - 0.01 * weights[k]);
      }
    }
  }
}
