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
 *   minArea;
 * - blob-contour and blob-shape: border following and the shape measures of those contours only;
 * - blob-grouping: the grouping across thresholds.
 * Working memory is kept between calls (blob-scratch), so results must not be held across
 * calls; nothing detectBlobs returns refers to it.
 *
 * Why not one component tree (union-find over the pixels sorted by grey, which yields every
 * threshold's components at once)? It would give the same regions: the components of each
 * binarised image are exactly the tree's nodes alive at that threshold, 8-connected for the
 * foreground and, in a second tree of the inverted image, 4-connected for the holes. But it
 * would not save work here. Each threshold's labelling visits only that threshold's own runs,
 * and a change of level between neighbouring pixels almost always crosses a single threshold,
 * so the 26 passes together visit about as many runs (1.2 million on a 12-megapixel photo) as
 * one pass over runs of constant level would; a pixel-level tree instead visits all 12 million
 * pixels in grey order, with random memory access. Measured on the same 12-megapixel photo in
 * one run (2-core VM, Node 20): a straightforward core of such a tree alone (counting sort,
 * union-find over 8-neighbours, no attributes, no hole tree) took 2.7 to 3.3 s, this whole
 * detection 0.11 to 0.15 s.
 */
export function detectBlobs(image: GreyImage, params: BlobParams): Blob[] {
  validateBlobParams(params);
  const p = asFloat32Params(params);
  const cuts = thresholdSequence(p).map(thresholdCut);
  const distinctCuts = [...new Set(cuts)].sort((a, b) => a - b);
  const field = prepareBlobField(image, distinctCuts);
  const binaryOf = identicalBinaries(field.occupied);
  const finder = new CentreFinder(field, new RegionLabeller(field), p);
  const grouper = new CentreGrouper(p.minDistBetweenBlobs, p.minRepeatability);
  // Cuts that binarise the image identically (thresholds less than one grey level apart, or no
  // pixel between them) have the same centres: find them once.
  const centresByBinary = new Map<number, BlobCentre[]>();
  for (const cut of cuts) {
    const binary = binaryOf[distinctCuts.indexOf(cut)]!;
    let centres = centresByBinary.get(binary);
    if (centres === undefined) {
      centres = finder.find(binary);
      centresByBinary.set(binary, centres);
    }
    grouper.add(centres);
  }
  return grouper.blobs();
}

/**
 * For each cut index, the lowest cut index with the same binary image: cut j binarises like
 * cut j - 1 when no pixel has level j (it is foreground at j - 1 and background at j).
 */
function identicalBinaries(occupied: Uint8Array): Int32Array {
  const first = new Int32Array(occupied.length - 1);
  for (let j = 1; j < first.length; j++) first[j] = occupied[j] === 1 ? j : first[j - 1]!;
  return first;
}
