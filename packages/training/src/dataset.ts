import { CLASS } from './classes.js';
import { indexSample, lesionView, skinView, vignetteView, WIDE_FIELD_LESION_PX, type SampleIndex } from './crops.js';
import type { RgbImage } from './image.js';
import { DIAGNOSIS_CLASS, loadIsicSample, type Diagnosis, type IsicRecord } from './isic.js';
import { createRng, hashSeed, stringSeed, type Rng } from './rng.js';
import { generateBackground, generateBorder, generateSkin } from './textures.js';

/** Where a crop came from; evaluation reports metrics per kind. */
export type CropKind =
  | 'lesion-dermoscopic'
  | 'lesion-widefield'
  | 'skin'
  | 'vignette'
  | 'vignette-edge'
  | 'generated-background'
  | 'generated-border'
  | 'generated-skin';

export interface LabelledCrop {
  readonly image: RgbImage;
  readonly label: number;
  readonly kind: CropKind;
  /** ISIC image id, or `generated`: the unit of any split (never split by crop). */
  readonly group: string;
}

/** How many views of each kind to draw: the training set's recipe. */
export interface TrainingPlan {
  readonly inputSize: number;
  /**
   * Lesion views per image by diagnosis: more for the rarer diagnoses, to even out the classes.
   * Twice version 2's views (cross-validation: melanoma AUROC +0.01 to +0.015): with 61
   * melanoma photos, more augmented views of each help the head learn the lesion rather than
   * the photo.
   */
  readonly lesionViews: Readonly<Record<Diagnosis, number>>;
  /** Share of lesion and skin views rendered at wide-field resolution. */
  readonly wideFieldShare: number;
  readonly skinViews: number;
  /** Tries per image for a vignette background view and a vignette-edge view. */
  readonly vignetteViews: number;
  /** Borders between a real skin view of the image and a generated background. */
  readonly bordersPerImage: number;
  readonly generatedBackgrounds: number;
  readonly generatedBorders: number;
  /** Procedural skin of all tones (ISIC skin is almost all light and dermoscopic). */
  readonly generatedSkin: number;
}

export const DEFAULT_PLAN: TrainingPlan = {
  inputSize: 128,
  lesionViews: { nevus: 8, melanoma: 24, seborrheic_keratosis: 45 },
  wideFieldShare: 0.6,
  skinViews: 3,
  vignetteViews: 1,
  bordersPerImage: 1,
  generatedBackgrounds: 700,
  generatedBorders: 400,
  generatedSkin: 300,
};

/** Skin views of wide-field resolution keep 30-180 px of the photo: 3d for d of 10-60 px. */
const WIDE_FIELD_SKIN_SIDE = { min: 3 * WIDE_FIELD_LESION_PX.min, max: 3 * WIDE_FIELD_LESION_PX.max } as const;

/** Augmented training crops of one ISIC image. */
export function trainingCropsOfImage(index: SampleIndex, plan: TrainingPlan, seed: number): LabelledCrop[] {
  const { record } = index.sample;
  const rng = createRng(hashSeed(seed, stringSeed(record.imageId)));
  const out: LabelledCrop[] = [];
  const group = record.imageId;
  const base = { outSize: plan.inputSize, augment: true };
  for (let i = 0; i < plan.lesionViews[record.diagnosis]; i++) {
    const wide = rng.chance(plan.wideFieldShare);
    const image = lesionView(index, rng, wide ? { ...base, lesionPx: rng.uniform(WIDE_FIELD_LESION_PX.min, WIDE_FIELD_LESION_PX.max) } : base);
    out.push({ image, label: DIAGNOSIS_CLASS[record.diagnosis], kind: wide ? 'lesion-widefield' : 'lesion-dermoscopic', group });
  }
  for (let i = 0; i < plan.skinViews; i++) {
    const image = skinView(index, rng, withWideField(base, rng, plan.wideFieldShare));
    if (image !== undefined) out.push({ image, label: CLASS.skin, kind: 'skin', group });
  }
  for (let i = 0; i < plan.vignetteViews; i++) {
    const bg = vignetteView(index, rng, 'background', withWideField(base, rng, plan.wideFieldShare));
    if (bg !== undefined) out.push({ image: bg, label: CLASS.background, kind: 'vignette', group });
    const edge = vignetteView(index, rng, 'edge', withWideField(base, rng, plan.wideFieldShare));
    if (edge !== undefined) out.push({ image: edge, label: CLASS.skin_edge, kind: 'vignette-edge', group });
  }
  for (let i = 0; i < plan.bordersPerImage; i++) {
    const skin = skinView(index, rng, withWideField(base, rng, plan.wideFieldShare));
    if (skin !== undefined) out.push({ image: generateBorder(rng, plan.inputSize, skin).image, label: CLASS.skin_edge, kind: 'generated-border', group });
  }
  return out;
}

/**
 * The canonical (unaugmented) held-out crops of one image: the lesion at full resolution and at a
 * 25 px wide-field width, one skin view, and vignette views where the photo has a vignette.
 */
export function evaluationCropsOfImage(index: SampleIndex, inputSize: number, seed: number): LabelledCrop[] {
  const { record } = index.sample;
  const rng = createRng(hashSeed(seed, stringSeed(record.imageId)));
  const group = record.imageId;
  const base = { outSize: inputSize, augment: false };
  const label = DIAGNOSIS_CLASS[record.diagnosis];
  const out: LabelledCrop[] = [
    { image: lesionView(index, rng, base), label, kind: 'lesion-dermoscopic', group },
    { image: lesionView(index, rng, { ...base, lesionPx: 25 }), label, kind: 'lesion-widefield', group },
  ];
  const skin = skinView(index, rng, base);
  if (skin !== undefined) out.push({ image: skin, label: CLASS.skin, kind: 'skin', group });
  const bg = vignetteView(index, rng, 'background', base);
  if (bg !== undefined) out.push({ image: bg, label: CLASS.background, kind: 'vignette', group });
  const edge = vignetteView(index, rng, 'edge', base);
  if (edge !== undefined) out.push({ image: edge, label: CLASS.skin_edge, kind: 'vignette-edge', group });
  return out;
}

export interface GeneratedCounts {
  readonly backgrounds: number;
  readonly borders: number;
  readonly skin: number;
}

/** Generated background, border and skin crops (no ISIC data involved). */
export function* generatedCrops(count: GeneratedCounts, inputSize: number, seed: number): Generator<LabelledCrop> {
  const rng = createRng(hashSeed(seed, 0x6e0));
  for (let i = 0; i < count.backgrounds; i++) {
    yield { image: generateBackground(rng, inputSize), label: CLASS.background, kind: 'generated-background', group: 'generated' };
  }
  for (let i = 0; i < count.borders; i++) {
    yield { image: generateBorder(rng, inputSize).image, label: CLASS.skin_edge, kind: 'generated-border', group: 'generated' };
  }
  for (let i = 0; i < count.skin; i++) {
    yield { image: generateSkin(rng, inputSize), label: CLASS.skin, kind: 'generated-skin', group: 'generated' };
  }
}

function withWideField(base: { outSize: number; augment: boolean }, rng: Rng, share: number): { outSize: number; augment: boolean; lowResSide?: number } {
  return rng.chance(share) ? { ...base, lowResSide: rng.uniform(WIDE_FIELD_SKIN_SIDE.min, WIDE_FIELD_SKIN_SIDE.max) } : base;
}

/** Loads each record in turn and yields its crops; images are decoded one at a time. */
export async function* cropsOfRecords(
  dataDir: string,
  records: readonly IsicRecord[],
  cropsOf: (index: SampleIndex) => LabelledCrop[],
): AsyncGenerator<LabelledCrop> {
  for (const record of records) {
    const index = indexSample(await loadIsicSample(dataDir, record));
    yield* cropsOf(index);
  }
}
