import type { Diagnosis, IsicRecord } from './isic.js';

/**
 * Positions (within a diagnosis, images sorted by id, counted from 0) whose residue modulo 10 puts
 * an image in the held-out set: the rule the data folder's README gives for its own holdout
 * split, about 30 % of each diagnosis.
 */
export const HELD_OUT_RESIDUES: readonly number[] = [3, 6, 9];

export interface DataSplit {
  /** Images the shipped model is trained on (and cross-validated over). */
  readonly train: readonly IsicRecord[];
  /** Images no shipped weight has seen: the evaluation's crop-level test set and lesion source. */
  readonly heldOut: readonly IsicRecord[];
  /** How the held-out images were chosen, for reports. */
  readonly rule: string;
}

/**
 * Splits by image, never by crop. With holdout rows in labels.csv those are the held-out images;
 * without (the sample in ../shared/data/isic2017 ships only dev rows) the README's rule is applied
 * to the dev images: within each diagnosis, sorted by id, position mod 10 in {3, 6, 9}.
 * Deterministic and independent of the order of labels.csv.
 */
export function splitRecords(records: readonly IsicRecord[]): DataSplit {
  const dev = records.filter((r) => r.split === 'dev');
  const holdout = records.filter((r) => r.split === 'holdout');
  if (holdout.length > 0) return { train: dev, heldOut: holdout, rule: 'the holdout rows of labels.csv' };
  const heldIds = new Set<string>();
  const byDiagnosis = new Map<Diagnosis, string[]>();
  for (const r of dev) byDiagnosis.set(r.diagnosis, [...(byDiagnosis.get(r.diagnosis) ?? []), r.imageId]);
  for (const ids of byDiagnosis.values()) {
    [...ids].sort().forEach((id, i) => {
      if (HELD_OUT_RESIDUES.includes(i % 10)) heldIds.add(id);
    });
  }
  return {
    train: dev.filter((r) => !heldIds.has(r.imageId)),
    heldOut: dev.filter((r) => heldIds.has(r.imageId)),
    rule: `dev images, per diagnosis sorted by image id, position mod 10 in {${HELD_OUT_RESIDUES.join(', ')}} (labels.csv has no holdout rows)`,
  };
}
