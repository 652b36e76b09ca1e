// Original file: ugly_duckling/v1/ugly_duckling.proto

import type { Lesion as _skinlesion_ugly_duckling_v1_Lesion, Lesion__Output as _skinlesion_ugly_duckling_v1_Lesion__Output } from '../../../skinlesion/ugly_duckling/v1/Lesion.js';

export interface ScoreRequest {
  'lesions'?: (_skinlesion_ugly_duckling_v1_Lesion)[];
  'embeddingSize'?: (number);
  'embeddings'?: (Buffer | Uint8Array | string);
}

export interface ScoreRequest__Output {
  'lesions': (_skinlesion_ugly_duckling_v1_Lesion__Output)[];
  'embeddingSize': (number);
  'embeddings': (Buffer);
}
