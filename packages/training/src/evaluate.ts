import { CLASS, CLASS_NAMES, NUM_CLASSES } from './classes.js';
import type { CropKind } from './dataset.js';
import { createRng } from './rng.js';
import { argmaxRows, auroc, balancedAccuracy, confusionMatrix, perClassPrecision, perClassRecall } from './metrics.js';

export interface QuickMetrics {
  readonly crops: number;
  /** Mean recall over the six classes. */
  readonly balancedAccuracy: number;
  readonly perClass: Record<string, { readonly support: number; readonly precision: number; readonly recall: number }>;
  /** Rows: true class, columns: predicted class, in CLASS_NAMES order. */
  readonly confusion: number[][];
  /** SPL vs the other lesion classes, scored by p(spl), over the lesion crops of each view. */
  readonly splVsRestAuroc: { readonly all: number; readonly dermoscopic: number; readonly widefield: number };
  /** Accuracy per crop source. */
  readonly accuracyByKind: Partial<Record<CropKind, { readonly crops: number; readonly accuracy: number }>>;
  /**
   * 95 % percentile bootstrap intervals, resampling photos (all crops of a photo together) and
   * generated crops one by one.
   */
  readonly interval95: {
    readonly balancedAccuracy: readonly [number, number];
    readonly splVsRestAuroc: readonly [number, number];
    readonly resamples: number;
  };
}

const BOOTSTRAP_RESAMPLES = 1000;

/**
 * Metrics of 6-class probabilities (row-major [n, 6]) against labels; `groups` name each crop's
 * photo (`generated` for generated crops) for the bootstrap.
 */
export function quickMetrics(
  probabilities: Float32Array,
  labels: Int32Array,
  kinds: readonly CropKind[],
  groups: readonly string[],
  seed = 1,
): QuickMetrics {
  const predicted = argmaxRows(probabilities, NUM_CLASSES);
  const confusion = confusionMatrix(labels, predicted, NUM_CLASSES);
  const allRows = Array.from({ length: labels.length }, (_, i) => i);
  const recall = perClassRecall(confusion);
  const precision = perClassPrecision(confusion);
  const perClass: QuickMetrics['perClass'] = {};
  CLASS_NAMES.forEach((name, c) => {
    perClass[name] = { support: (confusion[c] as number[]).reduce((a, b) => a + b, 0), precision: precision[c] as number, recall: recall[c] as number };
  });
  const splAuroc = (keep: (kind: CropKind) => boolean, rows: readonly number[] = allRows): number => {
    const scores: number[] = [];
    const positive: boolean[] = [];
    for (const i of rows) {
      if ((labels[i] as number) < CLASS.nspl_a || !keep(kinds[i] as CropKind)) continue;
      scores.push(probabilities[i * NUM_CLASSES + CLASS.spl] as number);
      positive.push(labels[i] === CLASS.spl);
    }
    return auroc(scores, positive);
  };
  const accuracyByKind: Partial<Record<CropKind, { crops: number; accuracy: number }>> = {};
  kinds.forEach((kind, i) => {
    const entry = accuracyByKind[kind] ?? { crops: 0, accuracy: 0 };
    entry.crops++;
    entry.accuracy += predicted[i] === labels[i] ? 1 : 0;
    accuracyByKind[kind] = entry;
  });
  for (const entry of Object.values(accuracyByKind)) entry.accuracy /= entry.crops;

  const units = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const unit = g === 'generated' ? `generated#${i}` : g;
    units.set(unit, [...(units.get(unit) ?? []), i]);
  });
  const unitRows = [...units.values()];
  const rng = createRng(seed);
  const bal: number[] = [];
  const auc: number[] = [];
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    const rows: number[] = [];
    for (let k = 0; k < unitRows.length; k++) rows.push(...(unitRows[Math.floor(rng.next() * unitRows.length)] as number[]));
    const m = confusionMatrix(
      rows.map((i) => labels[i] as number),
      rows.map((i) => predicted[i] as number),
      NUM_CLASSES,
    );
    bal.push(balancedAccuracy(m));
    auc.push(splAuroc(() => true, rows));
  }
  return {
    crops: labels.length,
    balancedAccuracy: balancedAccuracy(confusion),
    perClass,
    confusion,
    splVsRestAuroc: {
      all: splAuroc(() => true),
      dermoscopic: splAuroc((k) => k === 'lesion-dermoscopic'),
      widefield: splAuroc((k) => k === 'lesion-widefield'),
    },
    accuracyByKind,
    interval95: { balancedAccuracy: percentileInterval(bal), splVsRestAuroc: percentileInterval(auc), resamples: BOOTSTRAP_RESAMPLES },
  };
}

function percentileInterval(values: number[]): [number, number] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;
  return [at(0.025), at(0.975)];
}
