// Original file: tiler/v1/tiler.proto


export interface Patches {
  'count'?: (number);
  'height'?: (number);
  'width'?: (number);
  'channels'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Patches__Output {
  'count': (number);
  'height': (number);
  'width': (number);
  'channels': (number);
  'data': (Buffer);
}
