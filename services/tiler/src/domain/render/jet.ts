import type { Rgb } from './types.js';

/**
 * The classic piecewise-linear jet colour scale: 0 = dark blue, 0.5 = green-yellow,
 * 1 = dark red. Values outside [0, 1] are clamped; NaN counts as 0.
 */
export function jet(t: number): Rgb {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  return [channel(1.5 - Math.abs(4 * v - 3)), channel(1.5 - Math.abs(4 * v - 2)), channel(1.5 - Math.abs(4 * v - 1))];
}

function channel(level: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, level)));
}
