// Original file: tiler/v1/tiler.proto

import type { Adjustment as _skinlesion_tiler_v1_Adjustment, Adjustment__Output as _skinlesion_tiler_v1_Adjustment__Output } from '../../../skinlesion/tiler/v1/Adjustment.js';
import type { Candidate as _skinlesion_tiler_v1_Candidate, Candidate__Output as _skinlesion_tiler_v1_Candidate__Output } from '../../../skinlesion/tiler/v1/Candidate.js';
import type { Patches as _skinlesion_tiler_v1_Patches, Patches__Output as _skinlesion_tiler_v1_Patches__Output } from '../../../skinlesion/tiler/v1/Patches.js';

export interface TileResponse {
  'width'?: (number);
  'height'?: (number);
  'blurScore'?: (number | string);
  'blurThreshold'?: (number | string);
  'blurred'?: (boolean);
  'skinFraction'?: (number | string);
  'adjustment'?: (_skinlesion_tiler_v1_Adjustment);
  'candidates'?: (_skinlesion_tiler_v1_Candidate)[];
  'crops'?: (_skinlesion_tiler_v1_Patches | null);
  'truncated'?: (boolean);
  'timingsMs'?: ({[key: string]: number | string});
}

export interface TileResponse__Output {
  'width': (number);
  'height': (number);
  'blurScore': (number);
  'blurThreshold': (number);
  'blurred': (boolean);
  'skinFraction': (number);
  'adjustment': (_skinlesion_tiler_v1_Adjustment__Output);
  'candidates': (_skinlesion_tiler_v1_Candidate__Output)[];
  'crops': (_skinlesion_tiler_v1_Patches__Output | null);
  'truncated': (boolean);
  'timingsMs': ({[key: string]: number});
}
