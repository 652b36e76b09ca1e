/** Public types of the synthetic wide-field photo maker. */

export type Split = 'dev' | 'holdout' | 'all';
export type ImageFormat = 'jpeg' | 'png';
/** The pigmented-lesion classes of pipeline.md: 3 nspl_a, 4 nspl_b, 5 spl. */
export type LesionClass = 3 | 4 | 5;

export interface SynthOptions {
  /** Photo width in px; default 1600. */
  width?: number;
  /** Photo height in px; default 1200. */
  height?: number;
  /** Number of lesions to plant; default 20. */
  lesions?: number;
  /** Any integer; default 1. The same options and seed give the same bytes. */
  seed?: number;
  /**
   * An ISIC-layout folder (images/*.jpg, masks/*.png, labels.csv with image_id,diagnosis,split).
   * With it, lesions are real dermoscopic lesions scaled down; without it, they are drawn.
   */
  dataDir?: string;
  /** Which split of labels.csv lesions come from; default 'all'. */
  split?: Split;
  /** Share of the photo that is background (not skin) around the body, 0..0.9; default 0.15. */
  backgroundShare?: number;
  /**
   * Plant one clearly different lesion among similar ones (the "ugly duckling"); default true.
   * It needs at least 3 lesions (a ranking of fewer is meaningless); with fewer, none is planted.
   */
  oddLesion?: boolean;
  /**
   * Smallest lesion diameter in px; default 14. A blob detector with a minimum area of 100 px
   * cannot see lesions under about 11 px, so smaller values make undetectable lesions.
   */
  minDiameter?: number;
  /** Largest lesion diameter in px; default 60. */
  maxDiameter?: number;
  /** Encoding of the photo; default 'jpeg'. */
  format?: ImageFormat;
  /** JPEG quality 1..100; default 92. Ignored for PNG. */
  quality?: number;
}

export interface SynthLesion {
  id: string;
  /** Centre (alpha-weighted centroid) in photo px. */
  x: number;
  y: number;
  /**
   * Equivalent-circle diameter in photo px: the diameter of the circle with the lesion's area,
   * the size a blob detector reports. Elongated lesions reach further along their long axis.
   */
  diameter: number;
  classIndex: LesionClass;
  odd: boolean;
  /** The ISIC image id the lesion was cut from, or 'procedural'. */
  source: string;
}

export interface SkinBox {
  /** Inclusive left/top and exclusive right/bottom pixel bounds of the body (skin) region. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface SynthPhoto {
  /** The encoded photo. */
  image: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
  /** Ground truth, in reading order (top to bottom, then left to right). */
  lesions: SynthLesion[];
  oddLesionId: string | null;
  skinBox: SkinBox;
}
