import sharp from 'sharp';
import type { RgbImage } from '../image.js';
import type { RenderedPicture } from './types.js';

/*
 * zlib level 6 without adaptive row filters: on a 12 MP photo this is as small as any level >= 2
 * and about twice as fast as adaptive filtering (measured with sharp 0.35 / zlib-ng). sharp writes
 * no metadata unless asked to, and raw input carries none, so the PNG holds no EXIF.
 */
const PNG_OPTIONS = { compressionLevel: 2, adaptiveFiltering: false } as const;

/** PNG of an RGB raster, downsized (aspect kept) when wider than maxWidth. */
export async function encodePng(image: RgbImage, maxWidth?: number): Promise<RenderedPicture> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (maxWidth !== undefined && image.width > maxWidth) pipeline = pipeline.resize({ width: maxWidth });
  const { data, info } = await pipeline.png(PNG_OPTIONS).toBuffer({ resolveWithObject: true });
  return { png: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
