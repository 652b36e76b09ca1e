import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Lesion as _skinlesion_ugly_duckling_v1_Lesion, Lesion__Output as _skinlesion_ugly_duckling_v1_Lesion__Output } from './skinlesion/ugly_duckling/v1/Lesion.js';
import type { ScoreRequest as _skinlesion_ugly_duckling_v1_ScoreRequest, ScoreRequest__Output as _skinlesion_ugly_duckling_v1_ScoreRequest__Output } from './skinlesion/ugly_duckling/v1/ScoreRequest.js';
import type { ScoreResponse as _skinlesion_ugly_duckling_v1_ScoreResponse, ScoreResponse__Output as _skinlesion_ugly_duckling_v1_ScoreResponse__Output } from './skinlesion/ugly_duckling/v1/ScoreResponse.js';
import type { ScoredLesion as _skinlesion_ugly_duckling_v1_ScoredLesion, ScoredLesion__Output as _skinlesion_ugly_duckling_v1_ScoredLesion__Output } from './skinlesion/ugly_duckling/v1/ScoredLesion.js';
import type { UglyDucklingClient as _skinlesion_ugly_duckling_v1_UglyDucklingClient, UglyDucklingDefinition as _skinlesion_ugly_duckling_v1_UglyDucklingDefinition } from './skinlesion/ugly_duckling/v1/UglyDuckling.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  skinlesion: {
    ugly_duckling: {
      v1: {
        Lesion: MessageTypeDefinition<_skinlesion_ugly_duckling_v1_Lesion, _skinlesion_ugly_duckling_v1_Lesion__Output>
        ScoreRequest: MessageTypeDefinition<_skinlesion_ugly_duckling_v1_ScoreRequest, _skinlesion_ugly_duckling_v1_ScoreRequest__Output>
        ScoreResponse: MessageTypeDefinition<_skinlesion_ugly_duckling_v1_ScoreResponse, _skinlesion_ugly_duckling_v1_ScoreResponse__Output>
        ScoredLesion: MessageTypeDefinition<_skinlesion_ugly_duckling_v1_ScoredLesion, _skinlesion_ugly_duckling_v1_ScoredLesion__Output>
        UglyDuckling: SubtypeConstructor<typeof grpc.Client, _skinlesion_ugly_duckling_v1_UglyDucklingClient> & { service: _skinlesion_ugly_duckling_v1_UglyDucklingDefinition }
      }
    }
  }
}

