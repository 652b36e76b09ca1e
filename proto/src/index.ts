import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as InferenceProto } from './generated/grpc_service.js';
import type { ProtoGrpcType as TilerProto } from './generated/tiler.js';
import type { ProtoGrpcType as UglyDucklingProto } from './generated/ugly_duckling.js';

export type * from './generated/skinlesion/tiler/v1/Tiler.js';
export type * from './generated/skinlesion/tiler/v1/TileRequest.js';
export type * from './generated/skinlesion/tiler/v1/TileResponse.js';
export type * from './generated/skinlesion/tiler/v1/Candidate.js';
export type * from './generated/skinlesion/tiler/v1/Patches.js';
export type * from './generated/skinlesion/tiler/v1/PatchRequest.js';
export type * from './generated/skinlesion/tiler/v1/PatchResponse.js';
export type * from './generated/skinlesion/tiler/v1/RenderRequest.js';
export type * from './generated/skinlesion/tiler/v1/RenderResponse.js';
export type * from './generated/skinlesion/tiler/v1/Mark.js';
export type * from './generated/skinlesion/tiler/v1/Adjustment.js';
export type * from './generated/skinlesion/tiler/v1/PictureKind.js';
export type * from './generated/skinlesion/ugly_duckling/v1/UglyDuckling.js';
export type * from './generated/skinlesion/ugly_duckling/v1/ScoreRequest.js';
export type * from './generated/skinlesion/ugly_duckling/v1/ScoreResponse.js';
export type * from './generated/skinlesion/ugly_duckling/v1/Lesion.js';
export type * from './generated/skinlesion/ugly_duckling/v1/ScoredLesion.js';
export type * from './generated/inference/GRPCInferenceService.js';
export type * from './generated/inference/ModelInferRequest.js';
export type * from './generated/inference/ModelInferResponse.js';
export type * from './generated/inference/ModelMetadataResponse.js';
export type * from './generated/inference/InferParameter.js';
export type * from './generated/inference/InferTensorContents.js';

/** The folder holding the .proto files (the package root, one level above dist/). */
export const protoDir = fileURLToPath(new URL('..', import.meta.url));

/** Must match the flags in gen.mjs, which generated the types for exactly this object shape. */
export const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

function load<T>(file: string): T {
  const definition = protoLoader.loadSync(file, loaderOptions);
  return grpc.loadPackageDefinition(definition) as unknown as T;
}

export function loadTilerProto(): TilerProto['skinlesion']['tiler']['v1'] {
  return load<TilerProto>('tiler/v1/tiler.proto').skinlesion.tiler.v1;
}

export function loadUglyDucklingProto(): UglyDucklingProto['skinlesion']['ugly_duckling']['v1'] {
  return load<UglyDucklingProto>('ugly_duckling/v1/ugly_duckling.proto').skinlesion.ugly_duckling.v1;
}

export function loadInferenceProto(): InferenceProto['inference'] {
  return load<InferenceProto>('inference/grpc_service.proto').inference;
}
