import { clampByte, createRgb, type RgbImage } from './image.js';
import type { Rng } from './rng.js';

/**
 * Procedural non-skin scenes for the background (0) and skin-edge (1) classes: the ISIC photos
 * only offer dark dermoscope vignettes, while a wide-field photo's background is clothing, walls,
 * drapes and rulers. Generated straight at the model's input size.
 */
export type BackgroundKind = 'flat' | 'plaster' | 'weave' | 'stripes' | 'ruler' | 'dark';
const KINDS: readonly BackgroundKind[] = ['flat', 'plaster', 'weave', 'stripes', 'ruler', 'dark'];

type Rgb = [number, number, number];

export function generateBackground(rng: Rng, size: number, kind: BackgroundKind = pick(rng, KINDS)): RgbImage {
  switch (kind) {
    case 'flat':
      return flat(rng, size);
    case 'plaster':
      return plaster(rng, size);
    case 'weave':
      return weave(rng, size);
    case 'stripes':
      return stripes(rng, size);
    case 'ruler':
      return ruler(rng, size);
    case 'dark':
      return dark(rng, size);
  }
}

/** Skin tones from very light to very dark (sRGB), jittered per patch. */
const SKIN_TONES: readonly Rgb[] = [
  [246, 215, 190],
  [236, 192, 160],
  [222, 170, 135],
  [198, 140, 105],
  [160, 105, 75],
  [112, 72, 50],
  [80, 52, 38],
];

/** A smooth skin-coloured patch with faint mottling: the skin half of a generated border. */
export function generateSkin(rng: Rng, size: number): RgbImage {
  const base = pick(rng, SKIN_TONES).map((v) => v * rng.uniform(0.88, 1.12)) as Rgb;
  const field = valueNoise(rng, size, rng.uniform(6, 24), 3);
  const shade = linearGradient(rng, size, 0.15);
  const out = createRgb(size, size);
  for (let i = 0; i < size * size; i++) {
    const m = 1 + 0.08 * ((field[i] as number) - 0.5) + (shade[i] as number);
    for (let c = 0; c < 3; c++) out.data[i * 3 + c] = clampByte((base[c] as number) * m + rng.normal() * 1.5);
  }
  return out;
}

/**
 * A skin/background border: `skin` on one side of a gently curved line, a generated background
 * on the other, with a soft transition a few px wide, as a body outline looks after resizing.
 */
export function generateBorder(rng: Rng, size: number, skin: RgbImage = generateSkin(rng, size)): { image: RgbImage; skinFraction: number } {
  const background = generateBackground(rng, size);
  const angle = rng.uniform(0, 2 * Math.PI);
  const nx = Math.cos(angle);
  const ny = Math.sin(angle);
  const offset = rng.uniform(-0.28, 0.28) * size;
  const bend = rng.uniform(-0.12, 0.12) * size;
  const softness = rng.uniform(0.6, 3);
  const shadow = rng.uniform(0, 0.25);
  const out = createRgb(size, size);
  let skinWeight = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x + 0.5 - size / 2;
      const v = y + 0.5 - size / 2;
      const along = (-ny * u + nx * v) / size;
      const dist = nx * u + ny * v - offset - bend * along * along * 4;
      const w = 1 / (1 + Math.exp(-dist / softness));
      // Skin darkens towards a body outline (it turns away from the light).
      const rim = 1 - shadow * Math.exp(-Math.max(0, dist) / (0.08 * size));
      skinWeight += w;
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        out.data[i + c] = clampByte(w * (skin.data[i + c] as number) * rim + (1 - w) * (background.data[i + c] as number));
      }
    }
  }
  return { image: out, skinFraction: skinWeight / (size * size) };
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

/** A colour that is not skin-like: skin hues (red-orange, moderate saturation, lit) are redrawn. */
function nonSkinColour(rng: Rng): Rgb {
  for (;;) {
    const h = rng.next();
    const s = rng.chance(0.3) ? rng.uniform(0, 0.12) : rng.uniform(0.12, 0.95);
    const v = rng.uniform(0.05, 0.97);
    const skinLike = (h < 0.12 || h > 0.95) && s > 0.15 && s < 0.65 && v > 0.3;
    if (!skinLike) return hsvToRgb(h, s, v);
  }
}

function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const table: Rgb[] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  return (table[i % 6] as Rgb).map((x) => x * 255) as Rgb;
}

/** Smooth value noise in [0, 1], `octaves` octaves starting at cells of `cell` px. */
function valueNoise(rng: Rng, size: number, cell: number, octaves: number): Float32Array {
  const out = new Float32Array(size * size);
  let amplitude = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++) {
    const c = Math.max(2, cell / 2 ** o);
    const gw = Math.ceil(size / c) + 2;
    const grid = new Float32Array(gw * gw).map(() => rng.next());
    for (let y = 0; y < size; y++) {
      const gy = y / c;
      const y0 = Math.floor(gy);
      const fy = smooth(gy - y0);
      for (let x = 0; x < size; x++) {
        const gx = x / c;
        const x0 = Math.floor(gx);
        const fx = smooth(gx - x0);
        const a = grid[y0 * gw + x0] as number;
        const b = grid[y0 * gw + x0 + 1] as number;
        const d = grid[(y0 + 1) * gw + x0] as number;
        const e = grid[(y0 + 1) * gw + x0 + 1] as number;
        out[y * size + x] = (out[y * size + x] as number) + amplitude * ((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
      }
    }
    total += amplitude;
    amplitude /= 2;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / total;
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** A lighting ramp in [-strength, strength] across the patch in a random direction. */
function linearGradient(rng: Rng, size: number, strength: number): Float32Array {
  const a = rng.uniform(0, 2 * Math.PI);
  const g = rng.uniform(-strength, strength);
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      out[y * size + x] = (g * ((x / size - 0.5) * Math.cos(a) + (y / size - 0.5) * Math.sin(a))) * 2;
    }
  }
  return out;
}

function paint(size: number, colour: Rgb, modulation: (i: number) => number, rng: Rng, noise: number): RgbImage {
  const out = createRgb(size, size);
  for (let i = 0; i < size * size; i++) {
    const m = modulation(i);
    for (let c = 0; c < 3; c++) out.data[i * 3 + c] = clampByte((colour[c] as number) * m + rng.normal() * noise);
  }
  return out;
}

function flat(rng: Rng, size: number): RgbImage {
  const shade = linearGradient(rng, size, 0.25);
  return paint(size, nonSkinColour(rng), (i) => 1 + (shade[i] as number), rng, rng.uniform(0.5, 4));
}

function plaster(rng: Rng, size: number): RgbImage {
  const field = valueNoise(rng, size, rng.uniform(4, 40), 4);
  const strength = rng.uniform(0.1, 0.5);
  return paint(size, nonSkinColour(rng), (i) => 1 + strength * ((field[i] as number) - 0.5), rng, rng.uniform(0.5, 3));
}

function weave(rng: Rng, size: number): RgbImage {
  const period = rng.uniform(2, 9);
  const a = rng.uniform(0, Math.PI);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const depth = rng.uniform(0.1, 0.45);
  const folds = valueNoise(rng, size, rng.uniform(20, 60), 2);
  const foldDepth = rng.uniform(0, 0.5);
  return paint(
    size,
    nonSkinColour(rng),
    (i) => {
      const x = i % size;
      const y = Math.floor(i / size);
      const u = (cos * x + sin * y) / period;
      const v = (-sin * x + cos * y) / period;
      const over = (Math.floor(u) + Math.floor(v)) % 2 === 0;
      const thread = over ? Math.abs(Math.sin(Math.PI * v)) : Math.abs(Math.sin(Math.PI * u));
      return (1 - depth / 2 + depth * thread) * (1 - foldDepth * ((folds[i] as number) - 0.5));
    },
    rng,
    rng.uniform(1, 5),
  );
}

function stripes(rng: Rng, size: number): RgbImage {
  const first = nonSkinColour(rng);
  const second = nonSkinColour(rng);
  const period = rng.uniform(6, 40);
  const duty = rng.uniform(0.2, 0.8);
  const plaid = rng.chance(0.4);
  const a = rng.uniform(0, Math.PI);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const out = createRgb(size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = ((cos * x + sin * y) / period) % 1;
      const v = ((-sin * x + cos * y) / period) % 1;
      let w = (u + 1) % 1 < duty ? 1 : 0;
      if (plaid) w = (w + ((v + 1) % 1 < duty ? 1 : 0)) / 2;
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) out.data[i + c] = clampByte(w * (first[c] as number) + (1 - w) * (second[c] as number) + rng.normal() * 2);
    }
  }
  return out;
}

/** Dermatology rulers and scale bars: light tape with dark ticks, every fifth tick longer. */
function ruler(rng: Rng, size: number): RgbImage {
  const tape: Rgb = rng.chance(0.5) ? [rng.uniform(215, 250), rng.uniform(215, 250), rng.uniform(200, 245)] : nonSkinColour(rng);
  const ink: Rgb = rng.chance(0.8) ? [20, 20, 25] : nonSkinColour(rng);
  const spacing = rng.uniform(3, 12);
  const a = rng.uniform(0, Math.PI);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const tick = rng.uniform(0.15, 0.35) * size;
  const edge = rng.uniform(-0.3, 0.1) * size;
  const out = createRgb(size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = cos * (x - size / 2) + sin * (y - size / 2);
      const v = -sin * (x - size / 2) + cos * (y - size / 2) - edge;
      const index = Math.round(u / spacing);
      const onTick = Math.abs(u - index * spacing) < 0.7 && v > 0 && v < (index % 5 === 0 ? tick * 1.6 : tick);
      const colour = onTick ? ink : tape;
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) out.data[i + c] = clampByte((colour[c] as number) + rng.normal() * 2);
    }
  }
  return out;
}

/** Near-black fields with a faint lit rim: dermoscope vignettes, shadows, dark clothing. */
function dark(rng: Rng, size: number): RgbImage {
  const level = rng.uniform(2, 35);
  const tint = nonSkinColour(rng).map((v) => 0.7 + 0.3 * (v / 255)) as Rgb;
  const shade = linearGradient(rng, size, 0.4);
  return paint(size, tint.map((t) => t * level) as Rgb, (i) => 1 + (shade[i] as number), rng, rng.uniform(0.5, 3));
}
