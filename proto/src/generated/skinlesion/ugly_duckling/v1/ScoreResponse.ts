// Original file: ugly_duckling/v1/ugly_duckling.proto

import type { ScoredLesion as _skinlesion_ugly_duckling_v1_ScoredLesion, ScoredLesion__Output as _skinlesion_ugly_duckling_v1_ScoredLesion__Output } from '../../../skinlesion/ugly_duckling/v1/ScoredLesion.js';

export interface ScoreResponse {
  'ranked'?: (boolean);
  'reason'?: (string);
  'lesions'?: (_skinlesion_ugly_duckling_v1_ScoredLesion)[];
}

export interface ScoreResponse__Output {
  'ranked': (boolean);
  'reason': (string);
  'lesions': (_skinlesion_ugly_duckling_v1_ScoredLesion__Output)[];
}
