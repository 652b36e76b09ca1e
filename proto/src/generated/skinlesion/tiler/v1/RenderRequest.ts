// Original file: tiler/v1/tiler.proto

import type { PictureKind as _skinlesion_tiler_v1_PictureKind, PictureKind__Output as _skinlesion_tiler_v1_PictureKind__Output } from '../../../skinlesion/tiler/v1/PictureKind.js';
import type { Mark as _skinlesion_tiler_v1_Mark, Mark__Output as _skinlesion_tiler_v1_Mark__Output } from '../../../skinlesion/tiler/v1/Mark.js';

export interface RenderRequest {
  'image'?: (Buffer | Uint8Array | string);
  'kind'?: (_skinlesion_tiler_v1_PictureKind);
  'marks'?: (_skinlesion_tiler_v1_Mark)[];
  'maxWidth'?: (number);
}

export interface RenderRequest__Output {
  'image': (Buffer);
  'kind': (_skinlesion_tiler_v1_PictureKind__Output);
  'marks': (_skinlesion_tiler_v1_Mark__Output)[];
  'maxWidth': (number);
}
