import sharp from 'sharp';
import { rgbImage, type RgbImage } from '../image.js';

/** Resamples an RGB raster to exactly width x height (aspect not kept) with sharp's default kernel. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (width === image.width && height === image.height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Height that keeps the aspect ratio when an image of width x height is resized to newWidth. */
export function heightForWidth(width: number, height: number, newWidth: number): number {
  return Math.max(1, Math.round((height * newWidth) / width));
}
