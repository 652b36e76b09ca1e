// Original file: tiler/v1/tiler.proto


export interface RenderResponse {
  'png'?: (Buffer | Uint8Array | string);
  'width'?: (number);
  'height'?: (number);
}

export interface RenderResponse__Output {
  'png': (Buffer);
  'width': (number);
  'height': (number);
}
