import { decodePhoto, type DecodeOptions } from './decode.js';
import { resizeRegionInto } from './resize.js';

/** A batch of square RGB images: count x height x width x channels bytes, NHWC. */
export interface PatchBatch {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: 3;
  readonly data: Uint8Array<ArrayBuffer>;
}

/**
 * The seed's single-patch variant: each whole image, decoded and EXIF-oriented, resized to
 * size x size (cv2 INTER_LINEAR arithmetic, aspect ratio not kept), without colour adjustment.
 * Images are decoded one at a time to bound memory to one photo.
 */
export async function patchImages(images: readonly Uint8Array[], size: number, options: DecodeOptions = {}): Promise<PatchBatch> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`patch size must be a positive integer, got ${size}`);
  const patchBytes = size * size * 3;
  const data = new Uint8Array(images.length * patchBytes);
  for (let i = 0; i < images.length; i++) {
    const photo = await decodePhoto(images[i], options);
    resizeRegionInto(photo, { x0: 0, y0: 0, x1: photo.width, y1: photo.height }, size, data, i * patchBytes);
  }
  return { count: images.length, height: size, width: size, channels: 3, data };
}
