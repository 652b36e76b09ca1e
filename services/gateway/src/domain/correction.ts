import type { ClassIndex } from './classes.js';

/** The centre-mole features the tiler measures on the model-size crop (pipeline.md step 5). */
export interface CentreMoleFeatures {
  /** Skin fraction of the crop, 0..1. */
  readonly skinFraction: number;
  /** Number of dark centre blobs with an area between 3.3 % and 66 % of the crop. */
  readonly centreBlobCount: number;
}

/**
 * The research's rule correction of the model's class (pipeline.md step 5), exactly:
 * - 0 or 2 with s >= 1.0 and n >= 1 -> 3; 1 with s >= 0.995 and n >= 1 -> 3 (a mole on pure skin
 *   that the model called skin, background or edge);
 * - >= 3 with n = 0 -> 2 (a "lesion" with no centre blob is skin);
 * - >= 3 with n >= 1: s <= 0.125 -> 0, else s <= 0.5 -> 1 (a "lesion" mostly off skin);
 * - anything else keeps the model's class.
 */
export function correctClass(predicted: ClassIndex, features: CentreMoleFeatures): ClassIndex {
  const { skinFraction: s, centreBlobCount: n } = features;
  if (predicted >= 3) {
    if (n === 0) return 2;
    if (s <= 0.125) return 0;
    if (s <= 0.5) return 1;
    return predicted;
  }
  if (n >= 1) {
    if ((predicted === 0 || predicted === 2) && s >= 1.0) return 3;
    if (predicted === 1 && s >= 0.995) return 3;
  }
  return predicted;
}
