/** A half-open pixel rectangle [x0, x1) x [y0, y1) in image coordinates. */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export function wholeImage(image: { readonly width: number; readonly height: number }): Box {
  return { x0: 0, y0: 0, x1: image.width, y1: image.height };
}

/** The consecutive coordinates from..to-1. */
export function lineRange(from: number, to: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
