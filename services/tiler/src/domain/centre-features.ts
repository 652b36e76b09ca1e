import { centreMoleBlobParams, detectBlobs } from './blobs.js';
import { toGrey } from './colour-space.js';
import type { RgbImage } from './image.js';
import { skinFraction } from './skin.js';

/** Step 5's inputs to the rule correction and the UD score, measured on one model-size crop. */
export interface CentreFeatures {
  /** n: dark "centre mole" blobs of 3.3 % to 66 % of the crop. */
  readonly count: number;
  /** b: the largest centre blob's area / crop area; 0 when there is none. */
  readonly share: number;
  /** s: share of skin pixels in the crop. */
  readonly skinFraction: number;
}

export function centreFeatures(crop: RgbImage): CentreFeatures {
  const size = crop.width;
  if (crop.height !== size || size < 1) throw new RangeError(`centre features need a square crop, got ${crop.width}x${crop.height}`);
  const blobs = detectBlobs(toGrey(crop), centreMoleBlobParams(size));
  let largest = 0;
  for (const blob of blobs) largest = Math.max(largest, blob.area);
  return { count: blobs.length, share: largest / (size * size), skinFraction: skinFraction(crop) };
}
