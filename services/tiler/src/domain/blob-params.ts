/**
 * Parameters of the SimpleBlobDetector-equivalent detector (pipeline.md steps 1 and 5).
 * Every filter is always on; a filter is relaxed by widening its [min, max) range.
 */
export interface BlobParams {
  minThreshold: number;
  maxThreshold: number;
  thresholdStep: number;
  minRepeatability: number;
  minDistBetweenBlobs: number;
  blobColor: 0 | 255;
  minArea: number;
  maxArea: number;
  minCircularity: number;
  maxCircularity: number;
  minConvexity: number;
  maxConvexity: number;
  minInertiaRatio: number;
  maxInertiaRatio: number;
}

/** OpenCV's default upper bound of the shape ranges (FLT_MAX): "no upper bound", and valid JSON. */
export const NO_UPPER_BOUND = 3.4028234663852886e38;

const SHAPE_FILTERS = {
  minCircularity: 0.1,
  maxCircularity: NO_UPPER_BOUND,
  minConvexity: 0.1,
  maxConvexity: NO_UPPER_BOUND,
  minInertiaRatio: 0.1,
  maxInertiaRatio: NO_UPPER_BOUND,
} as const;

const THRESHOLDS = { minThreshold: 0, maxThreshold: 255, thresholdStep: 10 } as const;

/** Step 1: candidate lesions on the whole grey photo (26 thresholds 0, 10, ..., 250). */
export function wideFieldBlobParams(width: number, height: number): BlobParams {
  return {
    ...THRESHOLDS,
    ...SHAPE_FILTERS,
    minRepeatability: 2,
    minDistBetweenBlobs: 10,
    blobColor: 0,
    minArea: 100,
    maxArea: width * height,
  };
}

/** Step 5: the "centre mole" detector on a size x size crop; dark blobs of 3.3 % to 66 % of the crop. */
export function centreMoleBlobParams(size: number): BlobParams {
  const cropArea = size * size;
  return {
    ...THRESHOLDS,
    ...SHAPE_FILTERS,
    minRepeatability: 2,
    minDistBetweenBlobs: 10,
    blobColor: 0,
    minArea: 0.033 * cropArea,
    maxArea: 0.66 * cropArea,
  };
}

/**
 * OpenCV keeps these parameters as 32-bit floats and compares doubles against them, so the
 * same rounding is applied here to make borderline contours fall on the same side.
 */
export function asFloat32Params(params: BlobParams): BlobParams {
  const f = Math.fround;
  return {
    minThreshold: f(params.minThreshold),
    maxThreshold: f(params.maxThreshold),
    thresholdStep: f(params.thresholdStep),
    minRepeatability: params.minRepeatability,
    minDistBetweenBlobs: f(params.minDistBetweenBlobs),
    blobColor: params.blobColor,
    minArea: f(params.minArea),
    maxArea: f(params.maxArea),
    minCircularity: f(params.minCircularity),
    maxCircularity: f(params.maxCircularity),
    minConvexity: f(params.minConvexity),
    maxConvexity: f(params.maxConvexity),
    minInertiaRatio: f(params.minInertiaRatio),
    maxInertiaRatio: f(params.maxInertiaRatio),
  };
}

export function validateBlobParams(params: BlobParams): void {
  const problems: string[] = [];
  if (!(params.thresholdStep > 0)) problems.push(`thresholdStep must be > 0, got ${params.thresholdStep}`);
  if (!Number.isFinite(params.minThreshold)) problems.push(`minThreshold must be finite, got ${params.minThreshold}`);
  if (!Number.isFinite(params.maxThreshold)) problems.push(`maxThreshold must be finite, got ${params.maxThreshold}`);
  if (!Number.isInteger(params.minRepeatability) || params.minRepeatability < 1) {
    problems.push(`minRepeatability must be an integer >= 1, got ${params.minRepeatability}`);
  }
  if (params.blobColor !== 0 && params.blobColor !== 255) problems.push(`blobColor must be 0 or 255, got ${String(params.blobColor)}`);
  if (problems.length > 0) throw new RangeError(`invalid blob parameters: ${problems.join('; ')}`);
}

/**
 * The thresholds OpenCV visits: a double accumulator starting at minThreshold, stepping by the
 * float thresholdStep while below maxThreshold (so fractional steps accumulate exactly as there).
 */
export function thresholdSequence(params: BlobParams): number[] {
  const thresholds: number[] = [];
  for (let t = params.minThreshold; t < params.maxThreshold; t += params.thresholdStep) thresholds.push(t);
  return thresholds;
}

/**
 * THRESH_BINARY on 8-bit pixels keeps grey > floor(t); below 0 every pixel is kept, from 255 on
 * none is, so each threshold reduces to an integer cut in [-1, 255].
 */
export function thresholdCut(threshold: number): number {
  return Math.min(255, Math.max(-1, Math.floor(threshold)));
}
