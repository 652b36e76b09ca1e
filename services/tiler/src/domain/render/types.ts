/**
 * One candidate lesion as the pictures need it: centre and blob diameter in photo pixels
 * (pixel centres at integer coordinates, as blob detection reports them), the final class
 * index (pipeline.md: 0..5) and, for pigmented lesions, the ugly-duckling score and rank.
 */
export interface Mark {
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
  readonly classIndex: number;
  /** UD score in [0, 1] (1 = oddest), null when the lesion was not scored. */
  readonly udScore: number | null;
  /** 1 = oddest; null when unranked (e.g. fewer than 3 PLs). */
  readonly udRank: number | null;
  /** Optional extra caption line under the lesion's montage tile (A-Z, digits, a few signs). */
  readonly label?: string;
}

export type PictureKind = 'boxes' | 'heatmap' | 'montage';

export interface RenderOptions {
  /** Downsize (keeping aspect) when wider than this; undefined or 0 = keep the size. */
  readonly maxWidth?: number;
}

export interface RenderedPicture {
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export type Rgb = readonly [r: number, g: number, b: number];
