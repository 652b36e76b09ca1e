import { LimitExceededError } from '@skinlesion/errors';
import type { CallContext } from '@skinlesion/grpc-kit';
import type { Histogram } from '@skinlesion/metrics';
import type { ScoreRequest__Output, ScoreResponse } from '@skinlesion/proto';
import { scoreUglyDucklings } from '../domain/ugly-duckling.js';

export interface ScoreDeps {
  readonly maxLesions: number;
  readonly lesionsPerRequest: Histogram;
}

export function scoreHandler(deps: ScoreDeps) {
  return async (request: ScoreRequest__Output, context: CallContext): Promise<ScoreResponse> => {
    const lesions = request.lesions;
    if (lesions.length > deps.maxLesions) {
      throw new LimitExceededError('ugly_duckling_max_lesions', `${lesions.length} lesions exceed the limit of ${deps.maxLesions} per request`, { max: deps.maxLesions });
    }
    deps.lesionsPerRequest.observe(lesions.length);
    const result = scoreUglyDucklings(lesions);
    if (!result.ranked) {
      context.log.debug({ lesions: lesions.length }, 'too few lesions to rank');
      return { ranked: false, reason: result.reason, lesions: [] };
    }
    return {
      ranked: true,
      reason: '',
      lesions: lesions.map((lesion, index) => ({ id: lesion.id, score: result.scores[index], rank: result.ranks[index] })),
    };
  };
}
