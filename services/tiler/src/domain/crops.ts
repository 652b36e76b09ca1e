import { lineRange, type Box } from './box.js';
import type { RasterImage, RgbImage } from './image.js';
import { resizeFootprint, resizeRegionInto, resizeSampledInto, type SampledSource } from './resize.js';

/** A candidate's centre (x, y) and diameter d in photo pixels. */
export interface CandidateSpot {
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
}

export interface CropBatch {
  /** The photo region of each crop, [x0, x1) x [y0, y1), same order as the spots. */
  readonly boxes: Box[];
  /** count x size x size x 3 bytes, NHWC, RGB. */
  readonly data: Uint8Array<ArrayBuffer>;
}

/** Side of the crop square in diameters (step 3: a 3d square centred on the blob). */
const CROP_DIAMETERS = 3;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * The square of side 3d centred on (x, y), edges rounded to the nearest pixel boundary, clipped
 * at the image border. A square that clipping (or a zero diameter) would leave empty keeps the
 * one pixel nearest the centre, so that every candidate has a crop.
 */
export function candidateBox(spot: CandidateSpot, width: number, height: number): Box {
  if (width < 1 || height < 1) throw new RangeError(`cannot crop from an empty ${width}x${height} image`);
  const half = (CROP_DIAMETERS * Math.max(spot.diameter, 0)) / 2;
  const x0 = clamp(Math.round(spot.x - half), 0, width - 1);
  const y0 = clamp(Math.round(spot.y - half), 0, height - 1);
  const x1 = clamp(Math.round(spot.x + half), x0 + 1, width);
  const y1 = clamp(Math.round(spot.y + half), y0 + 1, height);
  return { x0, y0, x1, y1 };
}

function isImage(source: RgbImage | SampledSource): source is RgbImage {
  return 'data' in source;
}

/**
 * Step 3: each candidate's 3d square from the (adjusted) photo, resized to size x size with
 * cv2.resize INTER_LINEAR arithmetic, written into one NHWC buffer for the whole batch. From a
 * sampled source (a lazily adjusted photo) only the pixels each resize reads are produced, or
 * the whole photo once when the crops together would read more than half of it.
 */
export function cropCandidates(source: RgbImage | SampledSource, spots: readonly CandidateSpot[], size: number): CropBatch {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`crop size must be a positive integer, got ${size}`);
  const { width, height } = source;
  const boxes = spots.map((spot) => candidateBox(spot, width, height));
  const cropBytes = size * size * 3;
  const data = new Uint8Array(spots.length * cropBytes);
  let image: RasterImage | undefined = isImage(source) ? source : undefined;
  if (!isImage(source) && boxes.reduce((sum, box) => sum + resizeFootprint(box, size), 0) > (width * height) / 2) {
    image = source.sample(lineRange(0, width), lineRange(0, height));
  }
  boxes.forEach((box, i) => {
    if (image) resizeRegionInto(image, box, size, data, i * cropBytes);
    else resizeSampledInto(source as SampledSource, box, size, data, i * cropBytes);
  });
  return { boxes, data };
}
