// Original file: ugly_duckling/v1/ugly_duckling.proto


export interface ScoredLesion {
  'id'?: (string);
  'score'?: (number | string);
  'rank'?: (number);
}

export interface ScoredLesion__Output {
  'id': (string);
  'score': (number);
  'rank': (number);
}
