import type { IsicRecord } from './isic.js';

/**
 * Stratified folds by image: within each diagnosis, images sorted by id are dealt to folds in
 * turn. Deterministic, and never splits the crops of one image across folds.
 */
export function assignFolds(records: readonly IsicRecord[], folds: number): Map<string, number> {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`folds must be an integer >= 2, got ${folds}`);
  const out = new Map<string, number>();
  const byDiagnosis = new Map<string, string[]>();
  for (const r of records) byDiagnosis.set(r.diagnosis, [...(byDiagnosis.get(r.diagnosis) ?? []), r.imageId]);
  for (const ids of byDiagnosis.values()) {
    ids.sort();
    ids.forEach((id, i) => out.set(id, i % folds));
  }
  return out;
}
