import { InvalidArgumentError, LimitExceededError } from '@skinlesion/errors';
import type { CallContext } from '@skinlesion/grpc-kit';
import type { Histogram } from '@skinlesion/metrics';
import type { ScoreRequest__Output, ScoreResponse } from '@skinlesion/proto';
import { scoreUglyDucklings, type PigmentedLesion } from '../domain/ugly-duckling.js';

export interface ScoreDeps {
  readonly maxLesions: number;
  readonly lesionsPerRequest: Histogram;
}

const FLOAT32_BYTES = 4;

/** Splits the N x D little-endian float32 block into one embedding view per lesion. */
export function decodeLesions(request: ScoreRequest__Output): PigmentedLesion[] {
  const count = request.lesions.length;
  const size = request.embeddingSize;
  const bytes = request.embeddings;
  if (count > 0 && size === 0) throw new InvalidArgumentError('embedding_size must be > 0');
  if (bytes.length !== count * size * FLOAT32_BYTES) {
    throw new InvalidArgumentError(`embeddings hold ${bytes.length} bytes; ${count} lesions x ${size} float32 need ${count * size * FLOAT32_BYTES}`);
  }
  // Copy once into an aligned buffer: a Buffer from the wire may sit at any byte offset.
  const floats = new Float32Array(count * size);
  new Uint8Array(floats.buffer).set(bytes);
  return request.lesions.map((lesion, index) => ({
    id: lesion.id,
    diameter: lesion.diameter,
    centreBlobShare: lesion.centreBlobShare,
    embedding: floats.subarray(index * size, (index + 1) * size),
  }));
}

export function scoreHandler(deps: ScoreDeps) {
  return async (request: ScoreRequest__Output, context: CallContext): Promise<ScoreResponse> => {
    const count = request.lesions.length;
    if (count > deps.maxLesions) {
      throw new LimitExceededError('UGLY_DUCKLING_MAX_LESIONS', `${count} lesions exceed the limit of ${deps.maxLesions} per request (UGLY_DUCKLING_MAX_LESIONS)`, { max: deps.maxLesions });
    }
    const lesions = decodeLesions(request);
    deps.lesionsPerRequest.observe(count);
    const result = scoreUglyDucklings(lesions);
    if (!result.ranked) {
      context.log.debug({ lesions: count }, 'too few lesions to rank');
      return { ranked: false, reason: result.reason, lesions: [] };
    }
    return {
      ranked: true,
      reason: '',
      lesions: lesions.map((lesion, index) => ({ id: lesion.id, score: result.scores[index], rank: result.ranks[index] })),
    };
  };
}
