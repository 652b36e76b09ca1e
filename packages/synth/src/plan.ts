import type { Rng } from './prng.js';

/**
 * What to plant, before knowing where or from which source: one slot per lesion with its size
 * and its role. With an odd lesion, the others form a family of similar size around a base
 * diameter drawn per photo, and the odd one is about twice as large.
 */

export type Role = 'common' | 'odd' | 'free';

export interface Slot {
  diameter: number;
  role: Role;
}

export interface PlanOptions {
  lesions: number;
  oddLesion: boolean;
  minDiameter: number;
  maxDiameter: number;
}

/** Fewest lesions among which one can stand out: a ranking of fewer is meaningless. */
export const MIN_LESIONS_FOR_ODD = 3;

const round1 = (v: number): number => Math.round(v * 10) / 10;

export function planLesions(rng: Rng, options: PlanOptions): Slot[] {
  const { lesions, minDiameter: lo, maxDiameter: hi } = options;
  const clamp = (d: number): number => round1(Math.min(Math.max(d, lo), hi));
  if (!options.oddLesion || lesions < MIN_LESIONS_FOR_ODD) {
    // Log-uniform: small lesions are the common ones on a real back.
    return Array.from({ length: lesions }, () => ({
      diameter: clamp(lo * (hi / lo) ** rng.next()),
      role: 'free' as const,
    }));
  }
  // The family's base size stays in the lower third of the range, so the odd one has room above.
  const base = rng.uniform(lo, lo + 0.35 * (hi - lo));
  const slots: Slot[] = Array.from({ length: lesions - 1 }, () => ({
    diameter: clamp(base * rng.uniform(0.88, 1.12)),
    role: 'common' as const,
  }));
  const oddAt = rng.int(0, lesions - 1);
  slots.splice(oddAt, 0, { diameter: clamp(Math.max(2.2 * base, base + 10)), role: 'odd' });
  return slots;
}
