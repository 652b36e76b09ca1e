import { cutsToFind, findCentres, groupCentres, identicalBinaries, planDetection } from './blob-detection.js';
import { bandChanges, expectedChanges, layOutRuns, type ChangesGrower } from './blob-field.js';
import { frameGrey, framedLength } from './blob-frame.js';
import type { Blob } from './blob-grouping.js';
import type { BlobParams } from './blob-params.js';
import { growScratchInt32, scratchInt32, scratchUint8 } from './blob-scratch.js';
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
 * - blob-frame: the grey image copied once into a frame of background;
 * - blob-field: one pass over the pixels, listing every threshold's row transitions;
 * - blob-regions: per threshold, run-length labelling finds the regions whose contours can reach
 *   minArea;
 * - blob-contour and blob-shape: border following and the shape measures of those contours only;
 * - blob-grouping: the grouping across thresholds.
 * blob-detection strings them together. The pixel stages work on any band of rows and the
 * others on any threshold, so a detector can share them between threads
 * (parallel/blob-detector.ts); detectBlobs runs them all on the calling thread.
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
  const { width, height } = image;
  const plan = planDetection(width, height, image.data.length, params);
  const frame = frameGrey(image, scratchUint8('framed', framedLength(width, height)));
  const rowFirstLevel = new Uint16Array(height);
  const changes = scratchInt32('changes', expectedChanges(width, height));
  const growKept: ChangesGrower = (array, keep, length) => growScratchInt32('changes', array, keep, length);
  const band = bandChanges(frame, plan.levels, 0, height, rowFirstLevel, new Int32Array(height + 1), changes, growKept);
  const binaryOf = identicalBinaries(band.occupied);
  const wanted = cutsToFind(plan, binaryOf);
  const field = layOutRuns(frame, plan.levels, [band], rowFirstLevel, wanted);
  return groupCentres(plan, binaryOf, findCentres(field, plan.params, wanted));
}

/** Blob detection behind an interface, so that its callers need not know which threads it uses. */
export interface BlobDetector {
  /** Threads one detection runs on. */
  readonly threads: number;
  /** detectBlobs' result, the same blobs in the same order. */
  detect(image: GreyImage, params: BlobParams): Promise<Blob[]>;
  /** Lets detections in progress finish, then frees the detector's threads; later detections fail. */
  close(): Promise<void>;
}

/** detectBlobs behind the BlobDetector interface: everything on the calling thread. */
export function callingThreadBlobDetector(): BlobDetector {
  let closed = false;
  return {
    threads: 1,
    detect: async (image, params) => {
      if (closed) throw new Error('blob detector is closed');
      return detectBlobs(image, params);
    },
    close: async () => {
      closed = true;
    },
  };
}
