// Original file: tiler/v1/tiler.proto


export interface Candidate {
  'x'?: (number | string);
  'y'?: (number | string);
  'diameter'?: (number | string);
  'x0'?: (number);
  'y0'?: (number);
  'x1'?: (number);
  'y1'?: (number);
  'centreBlobCount'?: (number);
  'centreBlobShare'?: (number | string);
  'cropSkinFraction'?: (number | string);
}

export interface Candidate__Output {
  'x': (number);
  'y': (number);
  'diameter': (number);
  'x0': (number);
  'y0': (number);
  'x1': (number);
  'y1': (number);
  'centreBlobCount': (number);
  'centreBlobShare': (number);
  'cropSkinFraction': (number);
}
