import type { Estimate } from './stats.js';
import { bootstrap, wilsonInterval } from './stats.js';

/** A planted lesion of a generated photo (the ground truth @skinlesion/synth writes). */
export interface PlantedLesion {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
  readonly classIndex: number;
  readonly odd: boolean;
}

/** The fields of one lesion of a POST /v1/analyses answer that the evaluation reads. */
export interface AnalysedLesion {
  readonly x: number;
  readonly y: number;
  readonly class: string;
  readonly udRank: number | null;
}

export interface PhotoOutcome {
  readonly planted: number;
  /** Whether the photo has a planted odd lesion (synth plants none among fewer than 3 lesions). */
  readonly hasOddLesion: boolean;
  /** Planted lesions with a candidate centre within their radius. */
  readonly found: number;
  readonly candidates: number;
  /** Candidates whose centre lies within no planted lesion's radius. */
  readonly unmatchedCandidates: number;
  /** Found planted lesions the system classed as pigmented (nspl_a, nspl_b or spl). */
  readonly foundAsPigmented: number;
  /** UD rank of the candidate nearest the odd lesion's centre within its radius; null when not found or not ranked. */
  readonly oddRank: number | null;
  readonly oddClass: string | null;
}

const PIGMENTED = new Set(['nspl_a', 'nspl_b', 'spl']);

/**
 * Matches an analysis to the photo's ground truth: a planted lesion counts as found when a
 * candidate centre lies within its radius (issue 3); the odd lesion's UD rank is that of the
 * nearest such candidate.
 */
export function scorePhoto(planted: readonly PlantedLesion[], lesions: readonly AnalysedLesion[]): PhotoOutcome {
  const within = (p: PlantedLesion, l: AnalysedLesion): number => {
    const d = Math.hypot(l.x - p.x, l.y - p.y);
    return d <= p.diameter / 2 ? d : Number.POSITIVE_INFINITY;
  };
  const nearest = (p: PlantedLesion): AnalysedLesion | undefined => {
    let best: AnalysedLesion | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const l of lesions) {
      const d = within(p, l);
      if (d < bestDistance) {
        best = l;
        bestDistance = d;
      }
    }
    return best;
  };
  let found = 0;
  let foundAsPigmented = 0;
  let oddRank: number | null = null;
  let oddClass: string | null = null;
  for (const p of planted) {
    const match = nearest(p);
    if (match === undefined) continue;
    found++;
    if (PIGMENTED.has(match.class)) foundAsPigmented++;
    if (p.odd) {
      oddRank = match.udRank;
      oddClass = match.class;
    }
  }
  const unmatchedCandidates = lesions.filter((l) => planted.every((p) => within(p, l) === Number.POSITIVE_INFINITY)).length;
  return { planted: planted.length, hasOddLesion: planted.some((p) => p.odd), found, candidates: lesions.length, unmatchedCandidates, foundAsPigmented, oddRank, oddClass };
}

export interface WidefieldMetrics {
  readonly photos: number;
  readonly photosWithOddLesion: number;
  readonly plantedLesions: number;
  /** Found / planted over all photos; interval: bootstrap over photos. */
  readonly detectionRecall: Estimate;
  /** Photos whose odd lesion has UD rank 1 (top-1) or at most 3 (top-3); Wilson intervals. */
  readonly udTop1: Estimate;
  readonly udTop3: Estimate;
  readonly meanCandidates: number;
  readonly meanUnmatchedCandidates: number;
  /** Share of found lesions classed as pigmented (the UD score ranks only those). */
  readonly foundClassedPigmented: number;
  /** How the odd lesions were classed (found ones), and how many were not found. */
  readonly oddLesionClasses: Readonly<Record<string, number>>;
}

export function widefieldMetrics(outcomes: readonly PhotoOutcome[], options: { resamples?: number; seed?: number } = {}): WidefieldMetrics {
  const units = outcomes.map((_, i) => [i]);
  const sum = (rows: readonly number[], key: 'found' | 'planted'): number => rows.reduce((a, i) => a + (outcomes[i] as PhotoOutcome)[key], 0);
  const recall = bootstrap(units, (rows) => sum(rows, 'found') / sum(rows, 'planted'), options.resamples ?? 1000, options.seed ?? 1);
  const withOdd = outcomes.filter((o) => o.hasOddLesion);
  const ranks = withOdd.map((o) => o.oddRank);
  const found = outcomes.reduce((a, o) => a + o.found, 0);
  const oddLesionClasses: Record<string, number> = {};
  for (const o of withOdd) {
    const key = o.oddClass ?? 'not found';
    oddLesionClasses[key] = (oddLesionClasses[key] ?? 0) + 1;
  }
  return {
    photos: outcomes.length,
    photosWithOddLesion: withOdd.length,
    plantedLesions: outcomes.reduce((a, o) => a + o.planted, 0),
    detectionRecall: recall,
    udTop1: wilsonInterval(ranks.filter((r) => r === 1).length, withOdd.length),
    udTop3: wilsonInterval(ranks.filter((r) => r !== null && r <= 3).length, withOdd.length),
    meanCandidates: mean(outcomes.map((o) => o.candidates)),
    meanUnmatchedCandidates: mean(outcomes.map((o) => o.unmatchedCandidates)),
    foundClassedPigmented: found === 0 ? Number.NaN : outcomes.reduce((a, o) => a + o.foundAsPigmented, 0) / found,
    oddLesionClasses,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
