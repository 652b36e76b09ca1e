// Original file: tiler/v1/tiler.proto


export interface TileRequest {
  'image'?: (Buffer | Uint8Array | string);
  'cropSize'?: (number);
  'maxCandidates'?: (number);
}

export interface TileRequest__Output {
  'image': (Buffer);
  'cropSize': (number);
  'maxCandidates': (number);
}
