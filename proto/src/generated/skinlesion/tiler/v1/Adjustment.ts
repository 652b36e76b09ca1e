// Original file: tiler/v1/tiler.proto

export const Adjustment = {
  ADJUSTMENT_UNSPECIFIED: 'ADJUSTMENT_UNSPECIFIED',
  ADJUSTMENT_NONE: 'ADJUSTMENT_NONE',
  ADJUSTMENT_STRETCH_AND_CLAHE: 'ADJUSTMENT_STRETCH_AND_CLAHE',
  ADJUSTMENT_CLAHE: 'ADJUSTMENT_CLAHE',
} as const;

export type Adjustment =
  | 'ADJUSTMENT_UNSPECIFIED'
  | 0
  | 'ADJUSTMENT_NONE'
  | 1
  | 'ADJUSTMENT_STRETCH_AND_CLAHE'
  | 2
  | 'ADJUSTMENT_CLAHE'
  | 3

export type Adjustment__Output = typeof Adjustment[keyof typeof Adjustment]
