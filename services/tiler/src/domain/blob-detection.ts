import { CentreFinder, type BlobCentre } from './blob-centres.js';
import { levelPlan, type BandChanges, type BlobField, type LevelPlan } from './blob-field.js';
import { CentreGrouper, type Blob } from './blob-grouping.js';
import { asFloat32Params, thresholdCut, thresholdSequence, validateBlobParams, type BlobParams } from './blob-params.js';
import { RegionLabeller } from './blob-regions.js';

/**
 * The steps of one detection around the pixel work of blob-field, shared by the detector that
 * runs on the calling thread (blobs.ts) and the one that splits the work between threads:
 * planning, choosing which cuts to label, finding their centres and grouping them.
 */

/** What a detection knows before reading a pixel. */
export interface DetectionPlan {
  /** The parameters as OpenCV holds them (32-bit floats). */
  readonly params: BlobParams;
  /** Cut index (into levels.cuts) of each threshold, in the order OpenCV visits them. */
  readonly thresholdCuts: readonly number[];
  readonly levels: LevelPlan;
}

export function planDetection(width: number, height: number, dataLength: number, params: BlobParams): DetectionPlan {
  validateBlobParams(params);
  if (width < 1 || height < 1) throw new RangeError(`blob detection needs a non-empty image, got ${width}x${height}`);
  if (dataLength !== width * height) throw new RangeError(`grey image ${width}x${height} needs ${width * height} bytes, got ${dataLength}`);
  const p = asFloat32Params(params);
  const cuts = thresholdSequence(p).map(thresholdCut);
  const distinctCuts = [...new Set(cuts)].sort((a, b) => a - b);
  return { params: p, thresholdCuts: cuts.map((cut) => distinctCuts.indexOf(cut)), levels: levelPlan(distinctCuts, width) };
}

/** The crossings and occupied levels of the whole image, from bands covering it. */
export function combineBands(bands: readonly Pick<BandChanges, 'crossings' | 'occupied'>[]): { crossings: Int32Array; occupied: Uint8Array } {
  const crossings = new Int32Array(bands[0]!.crossings.length);
  const occupied = new Uint8Array(bands[0]!.occupied.length);
  for (const band of bands) {
    for (let j = 0; j < crossings.length; j++) crossings[j]! += band.crossings[j]!;
    for (let l = 0; l < occupied.length; l++) occupied[l]! |= band.occupied[l]!;
  }
  return { crossings, occupied };
}

/**
 * For each cut index, the lowest cut index with the same binary image: cut j binarises like
 * cut j - 1 when no pixel has level j (it is foreground at j - 1 and background at j).
 */
export function identicalBinaries(occupied: Uint8Array): Int32Array {
  const first = new Int32Array(occupied.length - 1);
  for (let j = 1; j < first.length; j++) first[j] = occupied[j] === 1 ? j : first[j - 1]!;
  return first;
}

/**
 * The cut indices whose centres a detection needs, ascending: cuts that binarise the image
 * identically (thresholds less than one grey level apart, or no pixel between them) have the
 * same centres, found once.
 */
export function cutsToFind(plan: DetectionPlan, binaryOf: Int32Array): number[] {
  return [...new Set(plan.thresholdCuts.map((j) => binaryOf[j]!))].sort((a, b) => a - b);
}

/** The centres of each of `cutIndices` (cuts the field laid out), in findContours' order. */
export function findCentres(field: BlobField, params: BlobParams, cutIndices: readonly number[]): Map<number, BlobCentre[]> {
  const finder = new CentreFinder(field, new RegionLabeller(field), params);
  const centres = new Map<number, BlobCentre[]>();
  for (const j of cutIndices) centres.set(j, finder.find(j));
  return centres;
}

/** The blobs: every threshold's centres (those of its binary image's cut) grouped in threshold order. */
export function groupCentres(plan: DetectionPlan, binaryOf: Int32Array, centres: ReadonlyMap<number, readonly BlobCentre[]>): Blob[] {
  const grouper = new CentreGrouper(plan.params.minDistBetweenBlobs, plan.params.minRepeatability);
  for (const j of plan.thresholdCuts) {
    const found = centres.get(binaryOf[j]!);
    if (found === undefined) throw new Error(`no centres for cut index ${binaryOf[j]!}`);
    grouper.add(found);
  }
  return grouper.blobs();
}
