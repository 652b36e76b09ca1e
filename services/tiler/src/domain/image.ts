/** Raw pixels, row-major, interleaved channels, 8 bits each. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

export interface GreyImage extends RasterImage {
  readonly channels: 1;
}

export interface RgbImage extends RasterImage {
  readonly channels: 3;
}

export function greyImage(width: number, height: number, data = new Uint8Array(width * height)): GreyImage {
  if (data.length !== width * height) throw new RangeError(`grey image ${width}x${height} needs ${width * height} bytes, got ${data.length}`);
  return { width, height, channels: 1, data };
}

export function rgbImage(width: number, height: number, data = new Uint8Array(width * height * 3)): RgbImage {
  if (data.length !== width * height * 3) throw new RangeError(`RGB image ${width}x${height} needs ${width * height * 3} bytes, got ${data.length}`);
  return { width, height, channels: 3, data };
}
