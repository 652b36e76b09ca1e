import { CentreFinder, type BlobCentre } from './blob-centres.js';
import { prepareBlobField } from './blob-field.js';
import { CentreGrouper, type Blob } from './blob-grouping.js';
import { asFloat32Params, thresholdCut, thresholdSequence, validateBlobParams, type BlobParams } from './blob-params.js';
import { RegionLabeller } from './blob-regions.js';
import type { GreyImage } from './image.js';

export type { Blob } from './blob-grouping.js';
export { centreMoleBlobParams, NO_UPPER_BOUND, wideFieldBlobParams, type BlobParams } from './blob-params.js';

/**
 * Dark (or light) blobs with the semantics of OpenCV 4's SimpleBlobDetector with every filter
 * on (pipeline.md steps 1 and 5): binarise at each threshold (pixel > threshold), take the
 * borders findContours(RETR_LIST, CHAIN_APPROX_NONE) would return, keep the contours passing the
 * area, circularity, inertia, colour and convexity filters, and group their centres across
 * thresholds. Results, their order included, equal OpenCV 4.6's keypoints.
 *
 * Stages, each replaceable on its own:
 * - blob-field: one pass over the pixels, listing every threshold's row transitions;
 * - blob-regions: per threshold, run-length labelling finds the regions whose contours can reach
 *   minArea (a component tree over all thresholds at once could produce the same lists);
 * - blob-contour and blob-shape: border following and the shape measures of those contours only;
 * - blob-grouping: the grouping across thresholds.
 */
export function detectBlobs(image: GreyImage, params: BlobParams): Blob[] {
  validateBlobParams(params);
  const p = asFloat32Params(params);
  const cuts = thresholdSequence(p).map(thresholdCut);
  const distinctCuts = [...new Set(cuts)].sort((a, b) => a - b);
  const field = prepareBlobField(image, distinctCuts);
  const finder = new CentreFinder(field, new RegionLabeller(field), p);
  const grouper = new CentreGrouper(p.minDistBetweenBlobs, p.minRepeatability);
  // Thresholds less than one grey level apart binarise identically: find their centres once.
  const centresByCut = new Map<number, BlobCentre[]>();
  for (const cut of cuts) {
    let centres = centresByCut.get(cut);
    if (centres === undefined) {
      centres = finder.find(distinctCuts.indexOf(cut));
      centresByCut.set(cut, centres);
    }
    grouper.add(centres);
  }
  return grouper.blobs();
}
