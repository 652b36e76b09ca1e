import type { GreyImage } from './image.js';

/**
 * The grey image inside a frame of 0, the one copy of the pixels every stage of blob detection
 * reads. The frame is background for every cut >= 0, as findContours' zero frame is, so border
 * following finds eight readable neighbours around every pixel. Rows are padded so that each
 * starts on a 4-byte boundary: the per-pixel pass reads them four pixels at a time (see
 * pixel-words.ts) whatever the image width or the caller's buffer alignment.
 *
 * Pixel (x, y) is data[(y + 1) * stride + FRAME_LEFT + x]; row -1, row `height`, the FRAME_LEFT
 * bytes before each row and at least one byte after it are 0.
 */
export interface FramedGrey {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly data: Uint8Array;
}

/** Bytes of frame before each row: one would do for the frame, four keep rows word-aligned. */
export const FRAME_LEFT = 4;

/** Row length in the frame: the row, FRAME_LEFT bytes before it, at least one after, a multiple of 4. */
export function framedStride(width: number): number {
  return (width + FRAME_LEFT + 1 + 3) & ~3;
}

/** Bytes a framed image of this size needs. */
export function framedLength(width: number, height: number): number {
  return framedStride(width) * (height + 2);
}

/**
 * Copies rows [y0, y1) of `grey` into `out` (at least framedLength bytes, stale contents
 * allowed) with their frame bytes, and the top or bottom frame row when the band touches it.
 * Bands written separately, in any order or on different threads, make the whole frame.
 */
export function frameRows(grey: GreyImage, out: Uint8Array, y0: number, y1: number): FramedGrey {
  const { width, height, data } = grey;
  const stride = framedStride(width);
  if (out.length < framedLength(width, height)) throw new RangeError(`a framed ${width}x${height} image needs ${framedLength(width, height)} bytes, got ${out.length}`);
  if (y0 === 0) out.fill(0, 0, stride);
  for (let y = y0; y < y1; y++) {
    const row = (y + 1) * stride;
    out.fill(0, row, row + FRAME_LEFT);
    out.set(data.subarray(y * width, (y + 1) * width), row + FRAME_LEFT);
    out.fill(0, row + FRAME_LEFT + width, row + stride);
  }
  if (y1 === height) out.fill(0, (height + 1) * stride, (height + 2) * stride);
  return { width, height, stride, data: out };
}

/** The whole image framed, in `out` when given. */
export function frameGrey(grey: GreyImage, out: Uint8Array = new Uint8Array(framedLength(grey.width, grey.height))): FramedGrey {
  return frameRows(grey, out, 0, grey.height);
}
