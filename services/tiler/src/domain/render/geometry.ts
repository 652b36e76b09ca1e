import type { Box } from '../box.js';
import type { Mark } from './types.js';

/** The crop square is 3 blob diameters wide, centred on the blob (pipeline.md step 3). */
export const CROP_DIAMETERS = 3;

/** Blob diameter in px, 0 for negative or non-finite values. */
export function markDiameter(mark: Mark): number {
  return Number.isFinite(mark.diameter) && mark.diameter > 0 ? mark.diameter : 0;
}

export function hasFinitePosition(mark: Mark): boolean {
  return Number.isFinite(mark.x) && Number.isFinite(mark.y);
}

/**
 * The unclipped pixel square about max(3d, minSide) wide centred on the mark: the pixel nearest
 * (x, y) plus round(side / 2) pixels on each side, so it is square (an odd number of pixels wide)
 * and centred whatever the fractional position. Null for a mark without a finite position.
 */
export function cropSquare(mark: Mark, minSide = 0): Box | null {
  if (!hasFinitePosition(mark)) return null;
  const half = Math.round(Math.max(CROP_DIAMETERS * markDiameter(mark), minSide) / 2);
  const x0 = Math.round(mark.x) - half;
  const y0 = Math.round(mark.y) - half;
  return { x0, y0, x1: x0 + 2 * half + 1, y1: y0 + 2 * half + 1 };
}

/** UD score clamped to [0, 1], or null when absent or not a number. */
export function udScoreOf(mark: Mark): number | null {
  const score = mark.udScore;
  return score !== null && Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : null;
}

/** A mark moved into a copy of the photo that was resized by `scale` (pixel centres kept aligned). */
export function scaleMark(mark: Mark, scale: number): Mark {
  return { ...mark, x: (mark.x + 0.5) * scale - 0.5, y: (mark.y + 0.5) * scale - 0.5, diameter: mark.diameter * scale };
}
