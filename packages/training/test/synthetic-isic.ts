import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { clampByte, createRgb, type RgbImage } from '../src/image.js';
import { createRng, type Rng } from '../src/rng.js';
import { generateSkin } from '../src/textures.js';

/** A procedurally drawn pigmented lesion: a dark brown, slightly irregular disc on `skin`. */
export function drawLesion(skin: RgbImage, rng: Rng, radiusPx: number): { image: RgbImage; mask: Uint8Array } {
  const { width, height } = skin;
  const image = createRgb(width, height);
  image.data.set(skin.data);
  const mask = new Uint8Array(width * height);
  const cx = width / 2 + rng.uniform(-0.05, 0.05) * width;
  const cy = height / 2 + rng.uniform(-0.05, 0.05) * height;
  const brown = [rng.uniform(70, 120), rng.uniform(40, 70), rng.uniform(25, 45)];
  const lobes = [rng.uniform(0, 0.15), rng.uniform(0, 2 * Math.PI), rng.int(2, 5)] as const;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const r = radiusPx * (1 + lobes[0] * Math.sin(lobes[2] * Math.atan2(dy, dx) + lobes[1]));
      const d = Math.hypot(dx, dy) / r;
      if (d > 1.15) continue;
      // Soft rim: real lesion borders fade over a few px; the mask is the d <= 1 core.
      const w = d < 0.85 ? 1 : Math.max(0, (1.15 - d) / 0.3);
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        image.data[i + c] = clampByte((1 - w) * (image.data[i + c] as number) + w * ((brown[c] as number) * (0.8 + 0.4 * d)));
      }
      if (d <= 1) mask[y * width + x] = 255;
    }
  }
  return { image, mask };
}

/**
 * An ISIC-shaped data folder (labels.csv, images/, masks/) of small procedural photos, so the
 * training command can be exercised without the real data set.
 */
export async function writeSyntheticIsic(dir: string, perDiagnosis: number, seed = 7): Promise<void> {
  const rng = createRng(seed);
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'masks'), { recursive: true });
  const rows = ['image_id,diagnosis,split,source_repo'];
  let n = 0;
  for (const diagnosis of ['nevus', 'melanoma', 'seborrheic_keratosis']) {
    for (let i = 0; i < perDiagnosis; i++) {
      const id = `ISIC_${String(9000000 + n++).padStart(7, '0')}`;
      const size = 192;
      const skin = generateSkin(rng, size);
      const { image, mask } = drawLesion(skin, rng, rng.uniform(18, 30));
      darkenCorners(image);
      await sharp(Buffer.from(image.data), { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 92 }).toFile(path.join(dir, 'images', `${id}.jpg`));
      await sharp(Buffer.from(mask), { raw: { width: size, height: size, channels: 1 } }).png().toFile(path.join(dir, 'masks', `${id}.png`));
      rows.push(`${id},${diagnosis},dev,synthetic`);
    }
  }
  await writeFile(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
}

/** A dermoscope-like dark vignette outside a centred circle. */
function darkenCorners(image: RgbImage): void {
  const r = 0.62 * image.width;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (Math.hypot(x - image.width / 2, y - image.height / 2) < r) continue;
      const i = (y * image.width + x) * 3;
      image.data[i] = 8;
      image.data[i + 1] = 8;
      image.data[i + 2] = 10;
    }
  }
}
