import { InvalidArgumentError } from '@skinlesion/errors';
import type { CallContext } from '@skinlesion/grpc-kit';
import type { Histogram } from '@skinlesion/metrics';
import type { Adjustment, TileRequest__Output, TileResponse } from '@skinlesion/proto';
import type { BlobDetector } from '../domain/blobs.js';
import { tilePhoto, type TileResult } from '../domain/tile-photo.js';
import { requireCropSize, requireImageBytes } from './validate.js';

export interface TileDeps {
  readonly maxPixels: number;
  readonly maxCandidates: number;
  readonly stageSeconds: Histogram<'stage'>;
  readonly candidatesPerPhoto: Histogram;
  /** Step 1's blob detection. */
  readonly blobDetector: Pick<BlobDetector, 'detect'>;
}

const ADJUSTMENTS: Record<TileResult['adjustment'], Adjustment> = {
  none: 'ADJUSTMENT_NONE',
  stretch_and_clahe: 'ADJUSTMENT_STRETCH_AND_CLAHE',
  clahe: 'ADJUSTMENT_CLAHE',
};

export function tileHandler(deps: TileDeps) {
  return async (request: TileRequest__Output, context: CallContext): Promise<TileResponse> => {
    requireImageBytes(request.image, 'image');
    const cropSize = requireCropSize(request.cropSize);
    if (request.maxCandidates < 0) throw new InvalidArgumentError('max_candidates must be >= 0');
    const maxCandidates = request.maxCandidates === 0 ? deps.maxCandidates : Math.min(request.maxCandidates, deps.maxCandidates);
    const result = await tilePhoto(request.image, { cropSize, maxCandidates, maxPixels: deps.maxPixels }, deps.blobDetector);
    for (const [stage, ms] of Object.entries(result.timingsMs)) deps.stageSeconds.observe({ stage }, ms / 1000);
    deps.candidatesPerPhoto.observe(result.candidates.length);
    context.log.debug({ width: result.width, height: result.height, candidates: result.candidates.length, blurred: result.blurred }, 'tiled');
    return {
      width: result.width,
      height: result.height,
      blurScore: result.blurScore,
      blurThreshold: result.blurThreshold,
      blurred: result.blurred,
      skinFraction: result.skinFraction,
      adjustment: ADJUSTMENTS[result.adjustment],
      candidates: result.candidates,
      crops: { ...result.crops, data: Buffer.from(result.crops.data.buffer, result.crops.data.byteOffset, result.crops.data.byteLength) },
      truncated: result.truncated,
      timingsMs: result.timingsMs,
    };
  };
}
