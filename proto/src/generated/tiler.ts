import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Candidate as _skinlesion_tiler_v1_Candidate, Candidate__Output as _skinlesion_tiler_v1_Candidate__Output } from './skinlesion/tiler/v1/Candidate.js';
import type { Mark as _skinlesion_tiler_v1_Mark, Mark__Output as _skinlesion_tiler_v1_Mark__Output } from './skinlesion/tiler/v1/Mark.js';
import type { PatchRequest as _skinlesion_tiler_v1_PatchRequest, PatchRequest__Output as _skinlesion_tiler_v1_PatchRequest__Output } from './skinlesion/tiler/v1/PatchRequest.js';
import type { PatchResponse as _skinlesion_tiler_v1_PatchResponse, PatchResponse__Output as _skinlesion_tiler_v1_PatchResponse__Output } from './skinlesion/tiler/v1/PatchResponse.js';
import type { Patches as _skinlesion_tiler_v1_Patches, Patches__Output as _skinlesion_tiler_v1_Patches__Output } from './skinlesion/tiler/v1/Patches.js';
import type { RenderRequest as _skinlesion_tiler_v1_RenderRequest, RenderRequest__Output as _skinlesion_tiler_v1_RenderRequest__Output } from './skinlesion/tiler/v1/RenderRequest.js';
import type { RenderResponse as _skinlesion_tiler_v1_RenderResponse, RenderResponse__Output as _skinlesion_tiler_v1_RenderResponse__Output } from './skinlesion/tiler/v1/RenderResponse.js';
import type { TileRequest as _skinlesion_tiler_v1_TileRequest, TileRequest__Output as _skinlesion_tiler_v1_TileRequest__Output } from './skinlesion/tiler/v1/TileRequest.js';
import type { TileResponse as _skinlesion_tiler_v1_TileResponse, TileResponse__Output as _skinlesion_tiler_v1_TileResponse__Output } from './skinlesion/tiler/v1/TileResponse.js';
import type { TilerClient as _skinlesion_tiler_v1_TilerClient, TilerDefinition as _skinlesion_tiler_v1_TilerDefinition } from './skinlesion/tiler/v1/Tiler.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  skinlesion: {
    tiler: {
      v1: {
        Adjustment: EnumTypeDefinition
        Candidate: MessageTypeDefinition<_skinlesion_tiler_v1_Candidate, _skinlesion_tiler_v1_Candidate__Output>
        Mark: MessageTypeDefinition<_skinlesion_tiler_v1_Mark, _skinlesion_tiler_v1_Mark__Output>
        PatchRequest: MessageTypeDefinition<_skinlesion_tiler_v1_PatchRequest, _skinlesion_tiler_v1_PatchRequest__Output>
        PatchResponse: MessageTypeDefinition<_skinlesion_tiler_v1_PatchResponse, _skinlesion_tiler_v1_PatchResponse__Output>
        Patches: MessageTypeDefinition<_skinlesion_tiler_v1_Patches, _skinlesion_tiler_v1_Patches__Output>
        PictureKind: EnumTypeDefinition
        RenderRequest: MessageTypeDefinition<_skinlesion_tiler_v1_RenderRequest, _skinlesion_tiler_v1_RenderRequest__Output>
        RenderResponse: MessageTypeDefinition<_skinlesion_tiler_v1_RenderResponse, _skinlesion_tiler_v1_RenderResponse__Output>
        TileRequest: MessageTypeDefinition<_skinlesion_tiler_v1_TileRequest, _skinlesion_tiler_v1_TileRequest__Output>
        TileResponse: MessageTypeDefinition<_skinlesion_tiler_v1_TileResponse, _skinlesion_tiler_v1_TileResponse__Output>
        Tiler: SubtypeConstructor<typeof grpc.Client, _skinlesion_tiler_v1_TilerClient> & { service: _skinlesion_tiler_v1_TilerDefinition }
      }
    }
  }
}

