// Original file: ugly_duckling/v1/ugly_duckling.proto


export interface Lesion {
  'id'?: (string);
  'diameter'?: (number | string);
  'centreBlobShare'?: (number | string);
}

export interface Lesion__Output {
  'id': (string);
  'diameter': (number);
  'centreBlobShare': (number);
}
