import { greyImage, type GreyImage } from '../domain/image.js';

/** A drawn test scene: skin-toned grey with dark lesions of known place and size. */
export interface LesionScene {
  image: GreyImage;
  lesions: DrawnLesion[];
}

export interface DrawnLesion {
  x: number;
  y: number;
  /** Semi-axes, px. */
  rx: number;
  ry: number;
  /** Grey level at the lesion's core. */
  grey: number;
}

export interface LesionSceneOptions {
  width: number;
  height: number;
  lesions: number;
  seed: number;
  /** Lesion diameters are drawn from [minDiameter, maxDiameter], px. */
  minDiameter?: number;
  maxDiameter?: number;
  /** Standard deviation of the per-pixel noise, grey levels. */
  noise?: number;
}

/**
 * Skin-toned background (grey about 150-190: BGR2GRAY of light skin) with slow shading and
 * per-pixel noise, and dark discs and ellipses with a one-pixel soft edge. Lesions are placed at
 * random, so some overlap and some are cut by the image border, as on a photographed back.
 */
export function drawLesionScene(options: LesionSceneOptions): LesionScene {
  const { width, height, seed } = options;
  const minDiameter = options.minDiameter ?? 10;
  const maxDiameter = options.maxDiameter ?? 60;
  const noise = options.noise ?? 3;
  const random = mulberry32(seed);
  const data = new Uint8Array(width * height);
  const shade = new Float32Array(width * height);

  const fx = (2 * Math.PI * (0.6 + random())) / width;
  const fy = (2 * Math.PI * (0.6 + random())) / height;
  const phase = random() * 2 * Math.PI;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      shade[y * width + x] = 170 + 12 * Math.sin(fx * x + phase) + 8 * Math.cos(fy * y - phase);
    }
  }

  const lesions: DrawnLesion[] = [];
  for (let i = 0; i < options.lesions; i++) {
    const diameter = minDiameter + random() * (maxDiameter - minDiameter);
    const elongation = i % 3 === 0 ? 0.55 + 0.35 * random() : 1;
    const lesion: DrawnLesion = {
      x: random() * width,
      y: random() * height,
      rx: diameter / 2,
      ry: (diameter / 2) * elongation,
      grey: 50 + random() * 70,
    };
    lesions.push(lesion);
    drawEllipse(shade, width, height, lesion, random() * Math.PI);
  }

  for (let i = 0; i < data.length; i++) {
    // Sum of four uniforms: a cheap, bounded stand-in for Gaussian sensor noise.
    const n = (random() + random() + random() + random() - 2) * noise * Math.sqrt(3);
    data[i] = Math.max(0, Math.min(255, Math.round(shade[i]! + n)));
  }
  return { image: greyImage(width, height, data), lesions };
}

function drawEllipse(shade: Float32Array, width: number, height: number, lesion: DrawnLesion, angle: number): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const reach = Math.ceil(Math.max(lesion.rx, lesion.ry)) + 2;
  const x0 = Math.max(0, Math.floor(lesion.x - reach));
  const x1 = Math.min(width - 1, Math.ceil(lesion.x + reach));
  const y0 = Math.max(0, Math.floor(lesion.y - reach));
  const y1 = Math.min(height - 1, Math.ceil(lesion.y + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - lesion.x;
      const dy = y - lesion.y;
      const u = (dx * cos + dy * sin) / lesion.rx;
      const v = (-dx * sin + dy * cos) / lesion.ry;
      // Signed distance to the rim in px, approximately: a one-pixel ramp anti-aliases the edge.
      const rim = (Math.sqrt(u * u + v * v) - 1) * Math.min(lesion.rx, lesion.ry);
      const cover = Math.min(1, Math.max(0, 0.5 - rim));
      if (cover === 0) continue;
      const i = y * width + x;
      shade[i] = shade[i]! * (1 - cover) + Math.min(shade[i]!, lesion.grey) * cover;
    }
  }
}

/** Small, fast, seedable PRNG (Tommy Ettinger's mulberry32), so scenes are reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
