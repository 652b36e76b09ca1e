import { InvalidArgumentError } from '@skinlesion/errors';

/** The fewest pigmented lesions for which "differs from the others" means anything. */
export const MIN_LESIONS_FOR_RANKING = 3;

export interface PigmentedLesion {
  readonly id: string;
  /** Blob diameter in photo pixels. */
  readonly diameter: number;
  /** Area of the crop's centre blob as a share of the crop, 0 when there is none. */
  readonly centreBlobShare: number;
  readonly embedding: ArrayLike<number>;
}

export type UglyDucklingResult =
  | { readonly ranked: true; readonly scores: number[]; readonly ranks: number[] }
  | { readonly ranked: false; readonly reason: string };

/** (v - min) / (max - min); a constant vector maps to zeros rather than dividing by zero. */
export function minmax(values: readonly number[]): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const range = max - min;
  return values.map((value) => (range > 0 ? (value - min) / range : 0));
}

/** 1 - cos(a, b); a zero vector is taken as no different from anything (distance 0). */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  if (normA === 0 || normB === 0) return 0;
  return 1 - dot / Math.sqrt(normA * normB);
}

function validate(lesions: readonly PigmentedLesion[]): number {
  const width = lesions[0]?.embedding.length ?? 0;
  const ids = new Set<string>();
  lesions.forEach((lesion, index) => {
    if (ids.has(lesion.id)) throw new InvalidArgumentError(`lesion ids must be unique: ${JSON.stringify(lesion.id)} repeats`);
    ids.add(lesion.id);
    if (!Number.isFinite(lesion.diameter) || lesion.diameter < 0) throw new InvalidArgumentError(`lesion ${index}: diameter must be a finite number >= 0`);
    if (!Number.isFinite(lesion.centreBlobShare) || lesion.centreBlobShare < 0 || lesion.centreBlobShare > 1) {
      throw new InvalidArgumentError(`lesion ${index}: centre blob share must be in [0, 1]`);
    }
    if (lesion.embedding.length === 0 || lesion.embedding.length !== width) {
      throw new InvalidArgumentError(`lesion ${index}: embeddings must be non-empty and all of one length (${width}), got ${lesion.embedding.length}`);
    }
    for (let i = 0; i < lesion.embedding.length; i += 1) {
      if (!Number.isFinite(lesion.embedding[i])) throw new InvalidArgumentError(`lesion ${index}: embedding holds a non-finite value`);
    }
  });
  return width;
}

/**
 * Pipeline step 7. Each lesion's embedding gets one more column, its min-max scaled diameter
 * times the largest embedding value (so size weighs like a feature); c = cosine distance of each
 * row to the mean row; the score blends the scaled distance, diameter and centre-blob share in
 * equal thirds and is min-max scaled again, so 1 is the oddest lesion of this patient.
 */
export function scoreUglyDucklings(lesions: readonly PigmentedLesion[]): UglyDucklingResult {
  if (lesions.length < MIN_LESIONS_FOR_RANKING) {
    return {
      ranked: false,
      reason: `${lesions.length} pigmented lesion(s): at least ${MIN_LESIONS_FOR_RANKING} are needed to tell which one differs from the others`,
    };
  }
  const width = validate(lesions);
  const count = lesions.length;
  const scaledDiameter = minmax(lesions.map((lesion) => lesion.diameter));

  let maxFeature = -Infinity;
  for (const lesion of lesions) for (let i = 0; i < width; i += 1) maxFeature = Math.max(maxFeature, lesion.embedding[i]);

  const rows = lesions.map((lesion, index) => {
    const row = new Float64Array(width + 1);
    for (let i = 0; i < width; i += 1) row[i] = lesion.embedding[i];
    row[width] = scaledDiameter[index] * maxFeature;
    return row;
  });
  const mean = new Float64Array(width + 1);
  for (const row of rows) for (let i = 0; i <= width; i += 1) mean[i] += row[i] / count;

  const distance = minmax(rows.map((row) => cosineDistance(row, mean)));
  const blobShare = minmax(lesions.map((lesion) => lesion.centreBlobShare));
  const raw = distance.map((c, i) => c / 3 + (scaledDiameter[i] - 0.5) / 3 + (blobShare[i] - 1) / 3);
  const scores = minmax(raw);

  // Highest score first; equal scores keep request order so ranks are deterministic.
  const order = scores.map((_, index) => index).sort((a, b) => scores[b] - scores[a] || a - b);
  const ranks = new Array<number>(count);
  order.forEach((lesionIndex, position) => {
    ranks[lesionIndex] = position + 1;
  });
  return { ranked: true, scores, ranks };
}
