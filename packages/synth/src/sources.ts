import { CLASS_FOR_DIAGNOSIS, readIsicEntries, type IsicEntry } from './isic-data.js';
import { isicPatch } from './isic-lesion.js';
import type { LesionPatch } from './patch.js';
import type { Slot } from './plan.js';
import type { Rng } from './prng.js';
import { benignNevus, drawLesion, familyMember, keratosisLike, nevusFamily, suspicious } from './procedural.js';
import type { LesionClass, Split } from './types.js';

/** A lesion ready to paste: its pixels, its class and where it came from. */
export interface SourcedLesion {
  patch: LesionPatch;
  classIndex: LesionClass;
  source: string;
}

/**
 * Drawn lesions. With an odd lesion: similar nevi of one family (class 3) and one dark,
 * irregular, two-coloured lesion (class 5). Without: a free mix, mostly nevi (75 %), some
 * keratosis-like lesions (15 %, class 4) and a few suspicious ones (10 %, class 5).
 */
export function proceduralLesions(rng: Rng, slots: readonly Slot[]): SourcedLesion[] {
  const family = nevusFamily(rng);
  return slots.map((slot) => {
    let style;
    let classIndex: LesionClass;
    if (slot.role === 'common') {
      style = familyMember(rng, family);
      classIndex = 3;
    } else if (slot.role === 'odd') {
      style = suspicious(rng);
      classIndex = 5;
    } else {
      const r = rng.next();
      if (r < 0.75) [style, classIndex] = [benignNevus(rng), 3 as const];
      else if (r < 0.9) [style, classIndex] = [keratosisLike(rng), 4 as const];
      else [style, classIndex] = [suspicious(rng), 5 as const];
    }
    return { patch: drawLesion(rng, slot.diameter, style), classIndex, source: 'procedural' };
  });
}

/** Median lesion brightness relative to the skin, at most: common lesions, and the odd one. */
const CONTRAST_FLOOR = 0.7;
const ODD_CONTRAST_FLOOR = 0.5;

/** Images in random order, cycled when a photo needs more lesions than the pool holds. */
class Pool {
  private readonly order: IsicEntry[];
  private cursor = 0;

  constructor(
    rng: Rng,
    entries: readonly IsicEntry[],
    private readonly rejected: Set<string>,
  ) {
    this.order = rng.shuffled(entries);
  }

  next(): IsicEntry {
    for (let tries = 0; tries < this.order.length; tries++) {
      const entry = this.order[this.cursor];
      this.cursor = (this.cursor + 1) % this.order.length;
      if (!this.rejected.has(entry.id)) return entry;
    }
    throw new Error(`no usable lesion image left among ${this.order.length} (all rejected: empty or cut masks)`);
  }
}

/** The first non-empty of the candidate lists. */
function firstNonEmpty(...lists: IsicEntry[][]): IsicEntry[] {
  return lists.find((l) => l.length > 0) ?? [];
}

/**
 * Real lesions from an ISIC folder. With an odd lesion: nevi as the family (class 3) and a
 * melanoma as the odd one (class 5), falling back to seborrheic keratoses and then to any image
 * when the split lacks a diagnosis. Without: any image of the split.
 */
export async function isicLesions(rng: Rng, dataDir: string, split: Split, slots: readonly Slot[]): Promise<SourcedLesion[]> {
  const entries = await readIsicEntries(dataDir, split);
  const by = (d: IsicEntry['diagnosis']): IsicEntry[] => entries.filter((e) => e.diagnosis === d);
  const rejected = new Set<string>();
  const pools = {
    common: new Pool(rng, firstNonEmpty(by('nevus'), entries.filter((e) => e.diagnosis !== 'melanoma'), entries), rejected),
    odd: new Pool(rng, firstNonEmpty(by('melanoma'), by('seborrheic_keratosis'), entries), rejected),
    free: new Pool(rng, entries, rejected),
  };
  // Orientation is drawn per slot up front, so that retries cannot shift other slots' draws.
  const looks = slots.map(() => ({ quarterTurns: rng.int(0, 3), mirror: rng.chance(0.5) }));

  const result: (SourcedLesion | null)[] = slots.map(() => null);
  for (;;) {
    const pending = slots.map((slot, i) => ({ slot, i })).filter(({ i }) => result[i] === null);
    if (pending.length === 0) break;
    // One round decodes all pending lesions concurrently; a rejected image is replaced by the
    // next of its pool in the following round, in slot order, which keeps the result seeded.
    const round = pending.map(({ slot, i }) => ({ i, slot, entry: pools[slot.role].next() }));
    const patches = await Promise.all(
      round.map(({ i, slot, entry }) =>
        isicPatch(entry, {
          diameter: slot.diameter,
          contrastFloor: slot.role === 'odd' ? ODD_CONTRAST_FLOOR : CONTRAST_FLOOR,
          ...looks[i],
        }),
      ),
    );
    round.forEach(({ i, entry }, k) => {
      const patch = patches[k];
      if (patch === null) rejected.add(entry.id);
      else result[i] = { patch, classIndex: CLASS_FOR_DIAGNOSIS[entry.diagnosis], source: entry.id };
    });
  }
  return result.filter((r): r is SourcedLesion => r !== null);
}
