import { fitsOnSkin, type Body } from './body.js';
import type { Rng } from './prng.js';

/**
 * Where the lesions go: uniformly over the skin, by rejection sampling, with
 * - at least 2 diameters (of the larger lesion) between the centres of any two lesions, so that
 *   neither overlaps the other nor falls inside the other's 3 d crop much, and
 * - at least 2 diameters of skin between a lesion's edge and the body outline or photo border,
 *   so that no lesion sits on the skin edge.
 */

export const SPACING_DIAMETERS = 2;
export const MARGIN_DIAMETERS = 2;
const ATTEMPTS_PER_LESION = 20_000;

export interface Point {
  x: number;
  y: number;
}

/** Centres for lesions of the given diameters, in the same order. Throws when they cannot fit. */
export function placeLesions(rng: Rng, body: Body, diameters: readonly number[]): Point[] {
  const { x0, y0, x1, y1 } = body.skinBox;
  // Largest first: they are the hardest to fit.
  const order = diameters.map((d, i) => ({ d, i })).sort((p, q) => q.d - p.d || p.i - q.i);
  const placed: { x: number; y: number; d: number }[] = [];
  const result: Point[] = new Array<Point>(diameters.length);
  for (const { d, i } of order) {
    const reach = d / 2 + MARGIN_DIAMETERS * d;
    let spot: Point | null = null;
    for (let attempt = 0; attempt < ATTEMPTS_PER_LESION && spot === null; attempt++) {
      const x = Math.round(rng.uniform(x0 + reach, x1 - reach));
      const y = Math.round(rng.uniform(y0 + reach, y1 - reach));
      if (!fitsOnSkin(body, x, y, reach)) continue;
      let free = true;
      for (const other of placed) {
        const gap = SPACING_DIAMETERS * Math.max(d, other.d);
        const dx = x - other.x;
        const dy = y - other.y;
        if (dx * dx + dy * dy < gap * gap) {
          free = false;
          break;
        }
      }
      if (free) spot = { x, y };
    }
    if (spot === null) {
      throw new RangeError(
        `cannot place ${diameters.length} lesions of up to ${Math.max(...diameters)} px on the skin of a ` +
          `${body.width} x ${body.height} photo (placed ${placed.length}); use fewer or smaller lesions or a larger photo`,
      );
    }
    placed.push({ ...spot, d });
    result[i] = spot;
  }
  return result;
}
