// Original file: tiler/v1/tiler.proto

import type { Patches as _skinlesion_tiler_v1_Patches, Patches__Output as _skinlesion_tiler_v1_Patches__Output } from '../../../skinlesion/tiler/v1/Patches.js';

export interface PatchResponse {
  'patches'?: (_skinlesion_tiler_v1_Patches | null);
}

export interface PatchResponse__Output {
  'patches': (_skinlesion_tiler_v1_Patches__Output | null);
}
