import { AppError } from '@skinlesion/errors';
import { callUnary } from '@skinlesion/grpc-kit';
import type { ScoreResponse__Output, TileResponse__Output } from '@skinlesion/proto';
import {
  assembleAnalysis,
  classifyLesions,
  pigmentedLesions,
  type AnalysisReport,
  type ClassifiedLesion,
  type UglyDucklingOutcome,
} from '../domain/analysis.js';
import type { ModelInfo } from '../domain/model-info.js';
import { timeStage } from '../metrics.js';
import type { RequestScope } from '../plugins/request-context.js';
import { ProblemError } from '../problems.js';
import { mapBounded } from '../util/concurrency.js';
import { candidateCap, checkedPatches, elapsedMs, roundMs, type PipelineDeps } from './pipeline.js';
import { upstreamError } from './upstream.js';

export interface AnalysisOptions {
  /** pipeline.md step 5; on unless the client turns it off. */
  readonly correction: boolean;
}

/**
 * One analysis of one patient's photos: Tile every photo (in parallel) -> classify all crops of
 * all photos in chunks spread over the classifier replicas -> correct -> ugly-duckling over all
 * pigmented lesions of the request together -> counts and risk.
 */
export async function analysePhotos(deps: PipelineDeps, photos: readonly Uint8Array[], options: AnalysisOptions, scope: RequestScope): Promise<AnalysisReport> {
  const started = performance.now();
  const model = await deps.classifier.info(scope);

  const tiling = await timeStage(deps.metrics, 'tile', () => tilePhotos(deps, photos, model, scope));
  const tiles = tiling.value;
  if (tiles.every((tile) => tile.blurred)) {
    throw new ProblemError('all-photos-blurred', photos.length === 1 ? 'the photo is too blurred to analyse' : `all ${photos.length} photos are too blurred to analyse`, {
      photos: tiles.map((tile, photo) => ({ photo, blurScore: tile.blurScore, blurThreshold: tile.blurThreshold })),
    });
  }

  const segments = tiles.map((tile) => checkedPatches(tile.crops, tile.candidates.length, model.inputSize));
  const count = tiles.reduce((sum, tile) => sum + tile.candidates.length, 0);
  const classifying = await timeStage(deps.metrics, 'classify', async () =>
    count === 0
      ? { probabilities: new Float32Array(0), embeddings: new Float32Array(0) }
      : deps.classifier.classify(model, segments, count, scope, true),
  );
  const lesions = classifyLesions(tiles, classifying.value.probabilities, options.correction);

  const scoring = await timeStage(deps.metrics, 'ugly_duckling', () =>
    scoreUglyDucklings(deps, pigmentedLesions(lesions), classifying.value.embeddings as Float32Array, model, scope),
  );

  return assembleAnalysis({
    model,
    correction: options.correction,
    photos: tiles,
    lesions,
    uglyDuckling: scoring.value,
    timingsMs: {
      tile: roundMs(tiling.ms),
      classify: roundMs(classifying.ms),
      uglyDuckling: roundMs(scoring.ms),
      total: elapsedMs(started),
    },
  });
}

async function tilePhotos(deps: PipelineDeps, photos: readonly Uint8Array[], model: ModelInfo, scope: RequestScope): Promise<TileResponse__Output[]> {
  const maxCandidates = candidateCap(deps.maxCandidates, deps.grpcMaxMessageBytes, model.inputSize);
  return mapBounded(photos, photos.length, scope.signal, async (image, photo, signal) => {
    try {
      return await callUnary(deps.tiler, 'Tile', { image, cropSize: model.inputSize, maxCandidates }, { ...scope, signal });
    } catch (error) {
      throw upstreamError(error, 'tiler', true, { photo });
    }
  });
}

/** Step 7 over the pigmented lesions of all photos; fewer than the UD service needs is said so. */
async function scoreUglyDucklings(
  deps: PipelineDeps,
  pigmented: readonly ClassifiedLesion[],
  embeddings: Float32Array,
  model: ModelInfo,
  scope: RequestScope,
): Promise<UglyDucklingOutcome> {
  if (pigmented.length === 0) return { ranked: false, reason: 'no pigmented lesions were found', scores: new Map() };
  const width = model.embeddingSize;
  // The pigmented lesions' rows of the classifier's embedding block, as one raw float32 block.
  const block = new Float32Array(pigmented.length * width);
  pigmented.forEach((lesion, index) => block.set(embeddings.subarray(lesion.row * width, (lesion.row + 1) * width), index * width));
  const request = {
    lesions: pigmented.map((lesion) => ({ id: lesion.id, diameter: lesion.candidate.diameter, centreBlobShare: lesion.candidate.centreBlobShare })),
    embeddingSize: width,
    embeddings: Buffer.from(block.buffer, block.byteOffset, block.byteLength),
  };
  let response: ScoreResponse__Output;
  try {
    response = await callUnary(deps.uglyDuckling, 'Score', request, scope);
  } catch (error) {
    throw upstreamError(error, 'ugly-duckling', false);
  }
  if (!response.ranked) return { ranked: false, reason: response.reason || 'not ranked', scores: new Map() };

  const scores = new Map(response.lesions.map((scored) => [scored.id, { score: scored.score, rank: scored.rank }]));
  const missing = pigmented.filter((lesion) => !scores.has(lesion.id));
  if (missing.length > 0 || response.lesions.length !== pigmented.length) {
    throw new AppError('INTERNAL', `ugly-duckling scored ${response.lesions.length} lesions for ${pigmented.length} sent`, { service: 'ugly-duckling' });
  }
  return { ranked: true, scores };
}
