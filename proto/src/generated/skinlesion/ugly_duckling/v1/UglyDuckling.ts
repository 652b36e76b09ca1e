// Original file: ugly_duckling/v1/ugly_duckling.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ScoreRequest as _skinlesion_ugly_duckling_v1_ScoreRequest, ScoreRequest__Output as _skinlesion_ugly_duckling_v1_ScoreRequest__Output } from '../../../skinlesion/ugly_duckling/v1/ScoreRequest.js';
import type { ScoreResponse as _skinlesion_ugly_duckling_v1_ScoreResponse, ScoreResponse__Output as _skinlesion_ugly_duckling_v1_ScoreResponse__Output } from '../../../skinlesion/ugly_duckling/v1/ScoreResponse.js';

export interface UglyDucklingClient extends grpc.Client {
  Score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  Score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  Score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  Score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  score(argument: _skinlesion_ugly_duckling_v1_ScoreRequest, callback: grpc.requestCallback<_skinlesion_ugly_duckling_v1_ScoreResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface UglyDucklingHandlers extends grpc.UntypedServiceImplementation {
  Score: grpc.handleUnaryCall<_skinlesion_ugly_duckling_v1_ScoreRequest__Output, _skinlesion_ugly_duckling_v1_ScoreResponse>;
  
}

export interface UglyDucklingDefinition extends grpc.ServiceDefinition {
  Score: MethodDefinition<_skinlesion_ugly_duckling_v1_ScoreRequest, _skinlesion_ugly_duckling_v1_ScoreResponse, _skinlesion_ugly_duckling_v1_ScoreRequest__Output, _skinlesion_ugly_duckling_v1_ScoreResponse__Output>
}
