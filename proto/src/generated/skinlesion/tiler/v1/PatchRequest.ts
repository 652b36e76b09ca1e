// Original file: tiler/v1/tiler.proto


export interface PatchRequest {
  'images'?: (Buffer | Uint8Array | string)[];
  'size'?: (number);
}

export interface PatchRequest__Output {
  'images': (Buffer)[];
  'size': (number);
}
