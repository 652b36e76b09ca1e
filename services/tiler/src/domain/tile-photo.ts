import { performance } from 'node:perf_hooks';
import { planAdjustment, type Adjustment } from './adjust.js';
import { callingThreadBlobDetector, wideFieldBlobParams, type Blob, type BlobDetector } from './blobs.js';
import { blurGate } from './blur.js';
import { centreFeatures } from './centre-features.js';
import { toGrey } from './colour-space.js';
import { cropCandidates } from './crops.js';
import { decodePhoto } from './decode.js';
import { rgbImage } from './image.js';
import type { PatchBatch } from './patch.js';
import { skinFraction as skinFractionOf } from './skin.js';

export interface TileOptions {
  /** The model's square input size in pixels. */
  readonly cropSize: number;
  /** Most candidates returned; the largest diameters are kept beyond it. */
  readonly maxCandidates: number;
  /** Photos with more pixels are refused before decoding. */
  readonly maxPixels: number;
}

export interface TileCandidate {
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
  /** The crop's photo region, [x0, x1) x [y0, y1), after orientation. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly centreBlobCount: number;
  readonly centreBlobShare: number;
  readonly cropSkinFraction: number;
}

/** A type alias rather than an interface, so that it is assignable to a string-keyed map. */
export type TileTimings = {
  decode: number;
  blur: number;
  detect: number;
  skin: number;
  adjust: number;
  crop: number;
  centre: number;
};

export interface TileResult {
  /** Photo size after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly blurScore: number;
  readonly blurThreshold: number;
  /** When true the later steps did not run: no candidates, skin fraction 0, adjustment 'none'. */
  readonly blurred: boolean;
  readonly skinFraction: number;
  readonly adjustment: Adjustment;
  /** Ordered by y, then x, then diameter; crops are in the same order. */
  readonly candidates: TileCandidate[];
  readonly crops: PatchBatch;
  /** More candidates were found than maxCandidates. */
  readonly truncated: boolean;
  /** Milliseconds per stage; 0 for stages that did not run. */
  readonly timingsMs: TileTimings;
}

/** Largest diameters first; position breaks ties so the choice is deterministic. */
function bySizeDescending(a: Blob, b: Blob): number {
  return b.diameter - a.diameter || a.y - b.y || a.x - b.x;
}

function byPosition(a: Blob, b: Blob): number {
  return a.y - b.y || a.x - b.x || a.diameter - b.diameter;
}

/** Keeps at most `max` blobs, the largest ones, in reading order. */
export function selectCandidates(blobs: readonly Blob[], max: number): { kept: Blob[]; truncated: boolean } {
  const truncated = blobs.length > max;
  const kept = truncated ? [...blobs].sort(bySizeDescending).slice(0, max) : [...blobs];
  return { kept: kept.sort(byPosition), truncated };
}

function validate(options: TileOptions): void {
  const { cropSize, maxCandidates, maxPixels } = options;
  if (!Number.isInteger(cropSize) || cropSize < 1) throw new RangeError(`cropSize must be a positive integer, got ${cropSize}`);
  if (!Number.isInteger(maxCandidates) || maxCandidates < 0) throw new RangeError(`maxCandidates must be a non-negative integer, got ${maxCandidates}`);
  if (!Number.isInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
}

const onCallingThread = callingThreadBlobDetector();

/**
 * Pipeline steps 0-3 and step 5's centre-mole features for one photo: decode, blur gate, blob
 * detection on the grey unadjusted photo, skin fraction and colour adjustment, one crop per
 * candidate from the adjusted photo, and the centre features of each crop. Step 1's detection
 * runs on `detector` (by default the calling thread alone); the centre features' small
 * detections always run on the calling thread.
 */
export async function tilePhoto(bytes: Uint8Array, options: TileOptions, detector: Pick<BlobDetector, 'detect'> = onCallingThread): Promise<TileResult> {
  validate(options);
  const { cropSize, maxCandidates, maxPixels } = options;
  const timingsMs: TileTimings = { decode: 0, blur: 0, detect: 0, skin: 0, adjust: 0, crop: 0, centre: 0 };
  let mark = performance.now();
  const lap = (stage: keyof TileTimings): void => {
    const now = performance.now();
    timingsMs[stage] = now - mark;
    mark = now;
  };

  const photo = await decodePhoto(bytes, { maxPixels });
  lap('decode');
  const grey = toGrey(photo);
  const blur = blurGate(grey);
  lap('blur');
  const base = { width: photo.width, height: photo.height, blurScore: blur.score, blurThreshold: blur.threshold, blurred: blur.blurred };
  if (blur.blurred) {
    const crops: PatchBatch = { count: 0, height: cropSize, width: cropSize, channels: 3, data: new Uint8Array(0) };
    return { ...base, skinFraction: 0, adjustment: 'none', candidates: [], crops, truncated: false, timingsMs };
  }

  const { kept, truncated } = selectCandidates(await detector.detect(grey, wideFieldBlobParams(photo.width, photo.height)), maxCandidates);
  lap('detect');
  const skinFraction = skinFractionOf(photo);
  lap('skin');
  // The adjustment is prepared on the whole photo but applied only where crops are taken.
  const plan = planAdjustment(photo, skinFraction);
  lap('adjust');
  const batch = cropCandidates(plan.adjustment === 'none' ? photo : plan, kept, cropSize);
  lap('crop');
  const cropBytes = cropSize * cropSize * 3;
  const candidates = kept.map((blob, i): TileCandidate => {
    const crop = rgbImage(cropSize, cropSize, batch.data.subarray(i * cropBytes, (i + 1) * cropBytes));
    const features = centreFeatures(crop);
    const box = batch.boxes[i];
    return {
      x: blob.x,
      y: blob.y,
      diameter: blob.diameter,
      x0: box.x0,
      y0: box.y0,
      x1: box.x1,
      y1: box.y1,
      centreBlobCount: features.count,
      centreBlobShare: features.share,
      cropSkinFraction: features.skinFraction,
    };
  });
  lap('centre');

  return {
    ...base,
    skinFraction,
    adjustment: plan.adjustment,
    candidates,
    crops: { count: kept.length, height: cropSize, width: cropSize, channels: 3, data: batch.data },
    truncated,
    timingsMs,
  };
}
