// Original file: tiler/v1/tiler.proto

export const PictureKind = {
  PICTURE_KIND_UNSPECIFIED: 'PICTURE_KIND_UNSPECIFIED',
  PICTURE_KIND_BOXES: 'PICTURE_KIND_BOXES',
  PICTURE_KIND_HEATMAP: 'PICTURE_KIND_HEATMAP',
  PICTURE_KIND_MONTAGE: 'PICTURE_KIND_MONTAGE',
} as const;

export type PictureKind =
  | 'PICTURE_KIND_UNSPECIFIED'
  | 0
  | 'PICTURE_KIND_BOXES'
  | 1
  | 'PICTURE_KIND_HEATMAP'
  | 2
  | 'PICTURE_KIND_MONTAGE'
  | 3

export type PictureKind__Output = typeof PictureKind[keyof typeof PictureKind]
