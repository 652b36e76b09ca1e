import { argmax, className, CLASS_COUNT, CLASS_NAMES, isPigmented, namedProbabilities, NSPL_B, SPL, type ClassIndex, type ClassName, type Probabilities } from './classes.js';
import { correctClass } from './correction.js';
import { riskLabel, type Risk } from './risk.js';

/** One candidate as the tiler describes it (structurally the tiler's Candidate message). */
export interface CandidateInput {
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly centreBlobCount: number;
  readonly centreBlobShare: number;
  readonly cropSkinFraction: number;
}

/** One tiled photo (structurally the tiler's TileResponse, crops aside). */
export interface PhotoInput {
  readonly width: number;
  readonly height: number;
  readonly blurScore: number;
  readonly blurThreshold: number;
  readonly blurred: boolean;
  readonly skinFraction: number;
  /** The tiler's Adjustment enum name, e.g. ADJUSTMENT_CLAHE. */
  readonly adjustment: string;
  readonly truncated: boolean;
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly candidates: readonly CandidateInput[];
}

/** A candidate after classification and correction, before the ugly-duckling step. */
export interface ClassifiedLesion {
  /** "p<photo>-l<index in photo>", stable within one response and sent to the UD service. */
  readonly id: string;
  readonly photo: number;
  /** Row of this candidate in the [N, 6] probabilities and [N, D] embedding tensors. */
  readonly row: number;
  readonly candidate: CandidateInput;
  readonly modelClass: ClassIndex;
  readonly finalClass: ClassIndex;
  readonly probabilities: Probabilities;
}

export interface UglyDucklingOutcome {
  readonly ranked: boolean;
  /** Why there is no ranking, when ranked is false. */
  readonly reason?: string;
  /** By lesion id; empty when not ranked. */
  readonly scores: ReadonlyMap<string, { readonly score: number; readonly rank: number }>;
}

export type AdjustmentName = 'none' | 'stretch_and_clahe' | 'clahe' | 'unspecified';

export interface PhotoReport {
  width: number;
  height: number;
  blurScore: number;
  blurThreshold: number;
  blurred: boolean;
  skinFraction: number;
  adjustment: AdjustmentName;
  candidates: number;
  truncated: boolean;
  timingsMs: Record<string, number>;
}

export interface LesionReport {
  id: string;
  photo: number;
  x: number;
  y: number;
  diameter: number;
  box: [number, number, number, number];
  modelClass: ClassName;
  class: ClassName;
  probabilities: Probabilities;
  centreBlobShare: number;
  udScore: number | null;
  udRank: number | null;
}

export interface AnalysisReport {
  model: { name: string; version: string };
  correction: boolean;
  photos: PhotoReport[];
  lesions: LesionReport[];
  uglyDuckling: { ranked: boolean; reason?: string; lesions: number };
  counts: Record<ClassName, number>;
  risk: Risk;
  timingsMs: { tile: number; classify: number; uglyDuckling: number; total: number };
}

const ADJUSTMENTS: Readonly<Record<string, AdjustmentName>> = {
  ADJUSTMENT_NONE: 'none',
  ADJUSTMENT_STRETCH_AND_CLAHE: 'stretch_and_clahe',
  ADJUSTMENT_CLAHE: 'clahe',
};

export function adjustmentName(value: string): AdjustmentName {
  return ADJUSTMENTS[value] ?? 'unspecified';
}

export function lesionId(photo: number, index: number): string {
  return `p${photo}-l${index}`;
}

/**
 * Steps 4-6 on plain values: the model's class is the argmax of its probabilities; the final
 * class is the step 5 correction of it unless correction is off. `probabilities` is the [N, 6]
 * row-major tensor over the candidates of all photos, in photo order.
 */
export function classifyLesions(photos: readonly PhotoInput[], probabilities: ArrayLike<number>, correction: boolean): ClassifiedLesion[] {
  const total = photos.reduce((sum, photo) => sum + photo.candidates.length, 0);
  if (probabilities.length !== total * CLASS_COUNT) {
    throw new RangeError(`expected ${total * CLASS_COUNT} probabilities for ${total} candidates, got ${probabilities.length}`);
  }
  const lesions: ClassifiedLesion[] = [];
  let row = 0;
  photos.forEach((photo, photoIndex) => {
    photo.candidates.forEach((candidate, index) => {
      const offset = row * CLASS_COUNT;
      const modelClass = argmax(probabilities, offset, CLASS_COUNT) as ClassIndex;
      const finalClass = correction
        ? correctClass(modelClass, { skinFraction: candidate.cropSkinFraction, centreBlobCount: candidate.centreBlobCount })
        : modelClass;
      lesions.push({
        id: lesionId(photoIndex, index),
        photo: photoIndex,
        row,
        candidate,
        modelClass,
        finalClass,
        probabilities: namedProbabilities(probabilities, offset),
      });
      row += 1;
    });
  });
  return lesions;
}

/** Step 6: the pigmented lesions are those whose final class is 3, 4 or 5. */
export function pigmentedLesions(lesions: readonly ClassifiedLesion[]): ClassifiedLesion[] {
  return lesions.filter((lesion) => isPigmented(lesion.finalClass));
}

export function countClasses(classes: Iterable<number>): Record<ClassName, number> {
  const counts = Object.fromEntries(CLASS_NAMES.map((name) => [name, 0])) as Record<ClassName, number>;
  for (const index of classes) counts[className(index)] += 1;
  return counts;
}

export interface AnalysisInput {
  readonly model: { readonly name: string; readonly version: string };
  readonly correction: boolean;
  readonly photos: readonly PhotoInput[];
  readonly lesions: readonly ClassifiedLesion[];
  readonly uglyDuckling: UglyDucklingOutcome;
  readonly timingsMs: AnalysisReport['timingsMs'];
}

/** Steps 6-8 and the response: every candidate with its classes and UD result, counts, risk. */
export function assembleAnalysis(input: AnalysisInput): AnalysisReport {
  const { uglyDuckling } = input;
  const lesions = input.lesions.map((lesion): LesionReport => {
    const { candidate } = lesion;
    const ud = uglyDuckling.ranked ? uglyDuckling.scores.get(lesion.id) : undefined;
    return {
      id: lesion.id,
      photo: lesion.photo,
      x: candidate.x,
      y: candidate.y,
      diameter: candidate.diameter,
      box: [candidate.x0, candidate.y0, candidate.x1, candidate.y1],
      modelClass: className(lesion.modelClass),
      class: className(lesion.finalClass),
      probabilities: lesion.probabilities,
      centreBlobShare: candidate.centreBlobShare,
      udScore: ud ? ud.score : null,
      udRank: ud ? ud.rank : null,
    };
  });
  const counts = countClasses(input.lesions.map((lesion) => lesion.finalClass));
  const pigmented = input.lesions.filter((lesion) => isPigmented(lesion.finalClass)).length;
  return {
    model: { name: input.model.name, version: input.model.version },
    correction: input.correction,
    photos: input.photos.map((photo) => ({
      width: photo.width,
      height: photo.height,
      blurScore: photo.blurScore,
      blurThreshold: photo.blurThreshold,
      blurred: photo.blurred,
      skinFraction: photo.skinFraction,
      adjustment: adjustmentName(photo.adjustment),
      candidates: photo.candidates.length,
      truncated: photo.truncated,
      timingsMs: { ...photo.timingsMs },
    })),
    lesions,
    uglyDuckling: {
      ranked: uglyDuckling.ranked,
      ...(uglyDuckling.ranked ? {} : { reason: uglyDuckling.reason ?? 'not ranked' }),
      lesions: pigmented,
    },
    counts,
    risk: riskLabel({ pigmented, nsplB: counts[className(NSPL_B)], spl: counts[className(SPL)] }),
    timingsMs: input.timingsMs,
  };
}
