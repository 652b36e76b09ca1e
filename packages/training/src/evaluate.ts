import { CLASS, CLASS_NAMES, NUM_CLASSES, type ClassName } from './classes.js';
import type { CropKind } from './dataset.js';
import { argmaxRows, auroc, balancedAccuracy, confusionMatrix, perClassPrecision, perClassRecall } from './metrics.js';
import { bootstrap, bootstrapUnits, sensitivitySpecificity, type Estimate } from './stats.js';

/** Six-class probabilities of scored crops, with each crop's truth and origin. */
export interface ScoredCrops {
  /** Row-major [count, 6], in CLASS_NAMES order. */
  readonly probabilities: Float32Array;
  readonly labels: Int32Array;
  readonly kinds: readonly CropKind[];
  /** The photo each crop comes from (the bootstrap unit), or `generated`. */
  readonly groups: readonly string[];
}

/** The operating point on p(spl) at which sensitivity and specificity are reported. */
export interface SplThreshold {
  readonly value: number;
  /** How it was chosen. */
  readonly source: string;
}

export interface CropMetrics {
  readonly crops: number;
  /** Photos among the crops' groups (generated crops not counted). */
  readonly photos: number;
  /** Mean recall over the six classes. */
  readonly balancedAccuracy: Estimate;
  readonly perClass: Readonly<Record<ClassName, { readonly support: number; readonly precision: Estimate; readonly recall: Estimate }>>;
  /** Rows: true class, columns: predicted class, both in CLASS_NAMES order. */
  readonly confusion: number[][];
  /** Accuracy by crop source. */
  readonly accuracyByKind: Partial<Record<CropKind, { readonly crops: number; readonly accuracy: number }>>;
  /** Melanoma (spl) against nevus and seborrheic keratosis (nspl_a, nspl_b), scored by p(spl), over lesion crops. */
  readonly splVsRest: {
    readonly positives: number;
    readonly negatives: number;
    readonly auroc: Estimate;
    readonly aurocDermoscopic: Estimate;
    readonly aurocWidefield: Estimate;
    readonly threshold: SplThreshold;
    readonly sensitivity: Estimate;
    readonly specificity: Estimate;
    /** The served decision instead of a threshold: spl is the most probable class. */
    readonly argmaxSensitivity: Estimate;
    readonly argmaxSpecificity: Estimate;
  };
  /** 95 % percentile bootstrap over photos (all crops of a photo together), generated crops one by one. */
  readonly resamples: number;
}

export interface CropMetricOptions {
  readonly threshold: SplThreshold;
  readonly resamples?: number;
  readonly seed?: number;
}

const GENERATED = new Set(['generated']);

/** Per-class, lesion and threshold metrics of scored crops, each with a bootstrap interval over photos. */
export function cropMetrics(scored: ScoredCrops, options: CropMetricOptions): CropMetrics {
  const { probabilities, labels, kinds, groups } = scored;
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 1;
  const predicted = argmaxRows(probabilities, NUM_CLASSES);
  const units = bootstrapUnits(groups, GENERATED);
  const estimate = (statistic: (rows: readonly number[]) => number, salt: number): Estimate => bootstrap(units, statistic, resamples, seed + salt);
  const confusionOf = (rows: readonly number[]): number[][] =>
    confusionMatrix(
      rows.map((i) => labels[i] as number),
      rows.map((i) => predicted[i] as number),
      NUM_CLASSES,
    );

  const isLesion = (i: number): boolean => (labels[i] as number) >= CLASS.nspl_a;
  const pSpl = (i: number): number => probabilities[i * NUM_CLASSES + CLASS.spl] as number;
  const lesionAuroc = (keep: (i: number) => boolean) => (rows: readonly number[]): number => {
    const chosen = rows.filter((i) => isLesion(i) && keep(i));
    return auroc(
      chosen.map(pSpl),
      chosen.map((i) => labels[i] === CLASS.spl),
    );
  };
  const operating = (call: (i: number) => boolean, which: 'sensitivity' | 'specificity') => (rows: readonly number[]): number => {
    const chosen = rows.filter(isLesion);
    const result = sensitivitySpecificity(
      chosen.map((i) => (call(i) ? 1 : 0)),
      chosen.map((i) => labels[i] === CLASS.spl),
      0.5,
    );
    return result[which];
  };
  const aboveThreshold = (i: number): boolean => pSpl(i) >= options.threshold.value;
  const argmaxSpl = (i: number): boolean => predicted[i] === CLASS.spl;

  const confusion = confusionOf(units.flat().sort((a, b) => a - b));
  const perClass = {} as Record<ClassName, { support: number; precision: Estimate; recall: Estimate }>;
  CLASS_NAMES.forEach((name, c) => {
    perClass[name] = {
      support: (confusion[c] as number[]).reduce((a, b) => a + b, 0),
      precision: estimate((rows) => perClassPrecision(confusionOf(rows))[c] as number, 10 + c),
      recall: estimate((rows) => perClassRecall(confusionOf(rows))[c] as number, 20 + c),
    };
  });
  const accuracyByKind: Partial<Record<CropKind, { crops: number; accuracy: number }>> = {};
  kinds.forEach((kind, i) => {
    const entry = accuracyByKind[kind] ?? { crops: 0, accuracy: 0 };
    entry.crops++;
    entry.accuracy += predicted[i] === labels[i] ? 1 : 0;
    accuracyByKind[kind] = entry;
  });
  for (const entry of Object.values(accuracyByKind)) entry.accuracy /= entry.crops;

  let positives = 0;
  let negatives = 0;
  labels.forEach((label) => {
    if (label === CLASS.spl) positives++;
    else if (label >= CLASS.nspl_a) negatives++;
  });
  return {
    crops: labels.length,
    photos: new Set(groups.filter((g) => !GENERATED.has(g))).size,
    balancedAccuracy: estimate((rows) => balancedAccuracy(confusionOf(rows)), 1),
    perClass,
    confusion,
    accuracyByKind,
    splVsRest: {
      positives,
      negatives,
      auroc: estimate(lesionAuroc(() => true), 2),
      aurocDermoscopic: estimate(lesionAuroc((i) => kinds[i] === 'lesion-dermoscopic'), 3),
      aurocWidefield: estimate(lesionAuroc((i) => kinds[i] === 'lesion-widefield'), 4),
      threshold: options.threshold,
      sensitivity: estimate(operating(aboveThreshold, 'sensitivity'), 5),
      specificity: estimate(operating(aboveThreshold, 'specificity'), 6),
      argmaxSensitivity: estimate(operating(argmaxSpl, 'sensitivity'), 7),
      argmaxSpecificity: estimate(operating(argmaxSpl, 'specificity'), 8),
    },
    resamples,
  };
}

/** p(spl) and truth of the lesion crops: the input of the SPL-vs-rest ROC. */
export function lesionScores(scored: ScoredCrops): { scores: number[]; positive: boolean[] } {
  const scores: number[] = [];
  const positive: boolean[] = [];
  scored.labels.forEach((label, i) => {
    if (label < CLASS.nspl_a) return;
    scores.push(scored.probabilities[i * NUM_CLASSES + CLASS.spl] as number);
    positive.push(label === CLASS.spl);
  });
  return { scores, positive };
}
