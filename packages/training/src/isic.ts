import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { CLASS } from './classes.js';
import type { GreyImage, RgbImage } from './image.js';

export type Diagnosis = 'melanoma' | 'seborrheic_keratosis' | 'nevus';
export type Split = 'dev' | 'holdout';

export interface IsicRecord {
  readonly imageId: string;
  readonly diagnosis: Diagnosis;
  readonly split: Split;
}

/**
 * Stand-in mapping from ISIC diagnoses to the method's lesion classes. ISIC has no "atypical, to
 * follow up" label, so seborrheic keratosis (benign, but a lesion a clinician looks at twice)
 * stands in for NSPL-B.
 */
export const DIAGNOSIS_CLASS: Record<Diagnosis, number> = {
  nevus: CLASS.nspl_a,
  seborrheic_keratosis: CLASS.nspl_b,
  melanoma: CLASS.spl,
};

const DIAGNOSES = new Set<string>(['melanoma', 'seborrheic_keratosis', 'nevus']);

/** Parses labels.csv (columns image_id, diagnosis, split, ...; header first). */
export function parseLabels(csv: string): IsicRecord[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const header = (lines.shift() ?? '').split(',');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`labels.csv: missing column ${name}`);
    return i;
  };
  const [idCol, diagnosisCol, splitCol] = [col('image_id'), col('diagnosis'), col('split')];
  return lines.map((line, n) => {
    const cells = line.split(',');
    const imageId = cells[idCol] ?? '';
    const diagnosis = cells[diagnosisCol] ?? '';
    const split = cells[splitCol] ?? '';
    if (!DIAGNOSES.has(diagnosis)) throw new Error(`labels.csv line ${n + 2}: unknown diagnosis ${diagnosis}`);
    if (split !== 'dev' && split !== 'holdout') throw new Error(`labels.csv line ${n + 2}: unknown split ${split}`);
    return { imageId, diagnosis: diagnosis as Diagnosis, split };
  });
}

export async function readLabels(dataDir: string): Promise<IsicRecord[]> {
  return parseLabels(await readFile(path.join(dataDir, 'labels.csv'), 'utf8'));
}

/** The lesion as the pipeline's blob detector would see it. */
export interface LesionGeometry {
  /** Centroid of the mask, px. */
  readonly cx: number;
  readonly cy: number;
  readonly areaPx: number;
  /**
   * Diameter of the disc with the mask's area, px: SimpleBlobDetector's blob diameter is a mean
   * centre-to-contour distance, which equals this for round blobs and is close for the others.
   */
  readonly diameter: number;
  readonly bbox: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
}

export function lesionGeometry(mask: GreyImage): LesionGeometry | undefined {
  let area = 0;
  let sx = 0;
  let sy = 0;
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if ((mask.data[y * mask.width + x] as number) < 128) continue;
      area++;
      sx += x + 0.5;
      sy += y + 0.5;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (area === 0) return undefined;
  return { cx: sx / area, cy: sy / area, areaPx: area, diameter: 2 * Math.sqrt(area / Math.PI), bbox: { x0, y0, x1: x1 + 1, y1: y1 + 1 } };
}

export interface IsicSample {
  readonly record: IsicRecord;
  readonly image: RgbImage;
  /** 255 = lesion, same size as the image. */
  readonly mask: GreyImage;
  readonly lesion: LesionGeometry;
}

export async function loadIsicSample(dataDir: string, record: IsicRecord): Promise<IsicSample> {
  const imagePath = path.join(dataDir, 'images', `${record.imageId}.jpg`);
  const maskPath = path.join(dataDir, 'masks', `${record.imageId}.png`);
  const [img, msk] = await Promise.all([
    sharp(imagePath).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
    sharp(maskPath).extractChannel(0).raw().toBuffer({ resolveWithObject: true }),
  ]);
  if (img.info.channels !== 3) throw new Error(`${imagePath}: expected 3 channels, got ${img.info.channels}`);
  if (msk.info.width !== img.info.width || msk.info.height !== img.info.height) {
    throw new Error(`${maskPath}: size ${msk.info.width}x${msk.info.height} differs from its image`);
  }
  const image: RgbImage = { width: img.info.width, height: img.info.height, data: new Uint8Array(img.data) };
  const mask: GreyImage = { width: msk.info.width, height: msk.info.height, data: new Uint8Array(msk.data) };
  const lesion = lesionGeometry(mask);
  if (lesion === undefined) throw new Error(`${maskPath}: empty lesion mask`);
  return { record, image, mask, lesion };
}
