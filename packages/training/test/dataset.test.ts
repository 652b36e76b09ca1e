import { describe, expect, it } from 'vitest';
import { CLASS } from '../src/classes.js';
import { indexSample, lesionView, skinView } from '../src/crops.js';
import { DEFAULT_PLAN, trainingCropsOfImage } from '../src/dataset.js';
import { luma, type RgbImage } from '../src/image.js';
import { lesionGeometry, parseLabels, type IsicSample } from '../src/isic.js';
import { createRng } from '../src/rng.js';
import { generateBorder } from '../src/textures.js';
import { drawLesion } from './synthetic-isic.js';

/** Light skin (the ISIC photos' typical tone) with sensor noise. */
function lightSkin(rng: ReturnType<typeof createRng>, size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  const tone = [225, 180, 150];
  for (let i = 0; i < data.length; i++) data[i] = Math.round((tone[i % 3] as number) + rng.normal() * 4);
  return { width: size, height: size, data };
}

function sample(seed: number, size = 384, radius = 24): IsicSample {
  const rng = createRng(seed);
  const { image, mask } = drawLesion(lightSkin(rng, size), rng, radius);
  const maskImage = { width: size, height: size, data: mask };
  const lesion = lesionGeometry(maskImage);
  if (lesion === undefined) throw new Error('empty lesion');
  return { record: { imageId: `ISIC_${seed}`, diagnosis: 'melanoma', split: 'dev' }, image, mask: maskImage, lesion };
}

/** Mean luma of the central square covering `share` of the side. */
function centreLuma(img: RgbImage, share: number): number {
  const lo = Math.floor((img.width * (1 - share)) / 2);
  const hi = Math.ceil((img.width * (1 + share)) / 2);
  let sum = 0;
  let n = 0;
  for (let y = lo; y < hi; y++) {
    for (let x = lo; x < hi; x++) {
      const p = (y * img.width + x) * 3;
      sum += luma(img.data[p] as number, img.data[p + 1] as number, img.data[p + 2] as number);
      n++;
    }
  }
  return sum / n;
}

describe('training crops', () => {
  it('measures the lesion as the blob detector would (equivalent diameter, centroid)', () => {
    const s = sample(3, 384, 30);
    expect(s.lesion.diameter).toBeGreaterThan(50);
    expect(s.lesion.diameter).toBeLessThan(70);
    expect(Math.abs(s.lesion.cx - 192)).toBeLessThan(25);
  });

  it('centres the 3d lesion crop on the lesion and keeps skin crops off it', () => {
    const index = indexSample(sample(4));
    const rng = createRng(1);
    const lesion = lesionView(index, rng, { outSize: 96, augment: false });
    // The lesion spans the middle third of a 3d crop: the centre is much darker than the whole.
    expect(centreLuma(lesion, 0.2)).toBeLessThan(centreLuma(lesion, 1) - 30);
    const wide = lesionView(index, rng, { outSize: 96, augment: false, lesionPx: 12 });
    expect(centreLuma(wide, 0.2)).toBeLessThan(centreLuma(wide, 1) - 20);
    for (let i = 0; i < 5; i++) {
      const skin = skinView(index, rng, { outSize: 64, augment: true });
      expect(skin).toBeDefined();
      expect(Math.abs(centreLuma(skin as RgbImage, 0.3) - centreLuma(skin as RgbImage, 1))).toBeLessThan(25);
    }
  });

  it('is deterministic per seed and image', () => {
    const index = indexSample(sample(5));
    const plan = { ...DEFAULT_PLAN, inputSize: 64 };
    const a = trainingCropsOfImage(index, plan, 11);
    const b = trainingCropsOfImage(index, plan, 11);
    const c = trainingCropsOfImage(index, plan, 12);
    expect(a.map((x) => x.label)).toEqual(b.map((x) => x.label));
    expect(Buffer.from(a[0]?.image.data ?? []).equals(Buffer.from(b[0]?.image.data ?? []))).toBe(true);
    expect(Buffer.from(a[0]?.image.data ?? []).equals(Buffer.from(c[0]?.image.data ?? []))).toBe(false);
    expect(a.filter((x) => x.label === CLASS.spl)).toHaveLength(DEFAULT_PLAN.lesionViews.melanoma);
  });

  it('draws borders with skin on one part and background on the other', () => {
    const rng = createRng(9);
    for (let i = 0; i < 10; i++) {
      const { skinFraction } = generateBorder(rng, 64);
      expect(skinFraction).toBeGreaterThan(0.15);
      expect(skinFraction).toBeLessThan(0.85);
    }
  });

  it('parses labels.csv and rejects unknown diagnoses', () => {
    const csv = 'image_id,diagnosis,split,source_repo\nISIC_1,nevus,dev,x\r\nISIC_2,melanoma,holdout,y\n';
    expect(parseLabels(csv)).toEqual([
      { imageId: 'ISIC_1', diagnosis: 'nevus', split: 'dev' },
      { imageId: 'ISIC_2', diagnosis: 'melanoma', split: 'holdout' },
    ]);
    expect(() => parseLabels('image_id,diagnosis,split\nISIC_3,basal_cell_carcinoma,dev\n')).toThrow(/unknown diagnosis/);
  });
});
