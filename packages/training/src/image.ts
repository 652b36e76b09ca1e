/** An 8-bit RGB raster, rows top to bottom, pixels interleaved R, G, B: the crop format of the pipeline. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A single-channel 8-bit raster (masks, luminance). */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createRgb(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Rec. 601 luma, the weights OpenCV uses for its grey conversion. */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

export function toLuma(image: RgbImage): GreyImage {
  const out = new Uint8Array(image.width * image.height);
  const src = image.data;
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    out[i] = Math.round(luma(src[p] as number, src[p + 1] as number, src[p + 2] as number));
  }
  return { width: image.width, height: image.height, data: out };
}

export function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}
