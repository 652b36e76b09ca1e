// Original file: tiler/v1/tiler.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PatchRequest as _skinlesion_tiler_v1_PatchRequest, PatchRequest__Output as _skinlesion_tiler_v1_PatchRequest__Output } from '../../../skinlesion/tiler/v1/PatchRequest.js';
import type { PatchResponse as _skinlesion_tiler_v1_PatchResponse, PatchResponse__Output as _skinlesion_tiler_v1_PatchResponse__Output } from '../../../skinlesion/tiler/v1/PatchResponse.js';
import type { RenderRequest as _skinlesion_tiler_v1_RenderRequest, RenderRequest__Output as _skinlesion_tiler_v1_RenderRequest__Output } from '../../../skinlesion/tiler/v1/RenderRequest.js';
import type { RenderResponse as _skinlesion_tiler_v1_RenderResponse, RenderResponse__Output as _skinlesion_tiler_v1_RenderResponse__Output } from '../../../skinlesion/tiler/v1/RenderResponse.js';
import type { TileRequest as _skinlesion_tiler_v1_TileRequest, TileRequest__Output as _skinlesion_tiler_v1_TileRequest__Output } from '../../../skinlesion/tiler/v1/TileRequest.js';
import type { TileResponse as _skinlesion_tiler_v1_TileResponse, TileResponse__Output as _skinlesion_tiler_v1_TileResponse__Output } from '../../../skinlesion/tiler/v1/TileResponse.js';

export interface TilerClient extends grpc.Client {
  Patch(argument: _skinlesion_tiler_v1_PatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  Patch(argument: _skinlesion_tiler_v1_PatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  Patch(argument: _skinlesion_tiler_v1_PatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  Patch(argument: _skinlesion_tiler_v1_PatchRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  patch(argument: _skinlesion_tiler_v1_PatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  patch(argument: _skinlesion_tiler_v1_PatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  patch(argument: _skinlesion_tiler_v1_PatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  patch(argument: _skinlesion_tiler_v1_PatchRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_PatchResponse__Output>): grpc.ClientUnaryCall;
  
  Render(argument: _skinlesion_tiler_v1_RenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  Render(argument: _skinlesion_tiler_v1_RenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  Render(argument: _skinlesion_tiler_v1_RenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  Render(argument: _skinlesion_tiler_v1_RenderRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  render(argument: _skinlesion_tiler_v1_RenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  render(argument: _skinlesion_tiler_v1_RenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  render(argument: _skinlesion_tiler_v1_RenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  render(argument: _skinlesion_tiler_v1_RenderRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_RenderResponse__Output>): grpc.ClientUnaryCall;
  
  Tile(argument: _skinlesion_tiler_v1_TileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  Tile(argument: _skinlesion_tiler_v1_TileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  Tile(argument: _skinlesion_tiler_v1_TileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  Tile(argument: _skinlesion_tiler_v1_TileRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  tile(argument: _skinlesion_tiler_v1_TileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  tile(argument: _skinlesion_tiler_v1_TileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  tile(argument: _skinlesion_tiler_v1_TileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  tile(argument: _skinlesion_tiler_v1_TileRequest, callback: grpc.requestCallback<_skinlesion_tiler_v1_TileResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface TilerHandlers extends grpc.UntypedServiceImplementation {
  Patch: grpc.handleUnaryCall<_skinlesion_tiler_v1_PatchRequest__Output, _skinlesion_tiler_v1_PatchResponse>;
  
  Render: grpc.handleUnaryCall<_skinlesion_tiler_v1_RenderRequest__Output, _skinlesion_tiler_v1_RenderResponse>;
  
  Tile: grpc.handleUnaryCall<_skinlesion_tiler_v1_TileRequest__Output, _skinlesion_tiler_v1_TileResponse>;
  
}

export interface TilerDefinition extends grpc.ServiceDefinition {
  Patch: MethodDefinition<_skinlesion_tiler_v1_PatchRequest, _skinlesion_tiler_v1_PatchResponse, _skinlesion_tiler_v1_PatchRequest__Output, _skinlesion_tiler_v1_PatchResponse__Output>
  Render: MethodDefinition<_skinlesion_tiler_v1_RenderRequest, _skinlesion_tiler_v1_RenderResponse, _skinlesion_tiler_v1_RenderRequest__Output, _skinlesion_tiler_v1_RenderResponse__Output>
  Tile: MethodDefinition<_skinlesion_tiler_v1_TileRequest, _skinlesion_tiler_v1_TileResponse, _skinlesion_tiler_v1_TileRequest__Output, _skinlesion_tiler_v1_TileResponse__Output>
}
