// Original file: tiler/v1/tiler.proto


export interface Mark {
  'x'?: (number | string);
  'y'?: (number | string);
  'diameter'?: (number | string);
  'classIndex'?: (number);
  'hasUd'?: (boolean);
  'udScore'?: (number | string);
  'udRank'?: (number);
  'label'?: (string);
}

export interface Mark__Output {
  'x': (number);
  'y': (number);
  'diameter': (number);
  'classIndex': (number);
  'hasUd': (boolean);
  'udScore': (number);
  'udRank': (number);
  'label': (string);
}
