import { InvalidArgumentError } from '@skinlesion/errors';

/** The model input sizes a crop may be resized to, in pixels per side. */
export const MIN_CROP_SIZE = 16;
export const MAX_CROP_SIZE = 1024;

export function requireCropSize(size: number): number {
  if (!Number.isInteger(size) || size < MIN_CROP_SIZE || size > MAX_CROP_SIZE) {
    throw new InvalidArgumentError(`crop size must be an integer in [${MIN_CROP_SIZE}, ${MAX_CROP_SIZE}] px, got ${size}`);
  }
  return size;
}

export function requireImageBytes(bytes: Uint8Array | undefined, field: string): Uint8Array {
  if (!bytes || bytes.length === 0) throw new InvalidArgumentError(`${field} is empty: send the encoded photo bytes`);
  return bytes;
}
