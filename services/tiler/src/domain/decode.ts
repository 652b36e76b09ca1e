import sharp, { type Metadata, type OutputInfo, type SharpOptions } from 'sharp';
import { ImageTooLargeError, InvalidImageError } from './errors.js';
import { rgbImage, type RgbImage } from './image.js';

/**
 * Formats accepted for photos. Refused on purpose: GIF (palette, animation: not a photo format),
 * SVG and PDF (rendered documents, and a larger attack surface), HEIF/AVIF (the bundled libheif
 * decodes AVIF only, so HEIC from phones would fail half the time: clients convert), and
 * everything else libvips can open (RAW, JPEG 2000, FITS, ...).
 */
export const PHOTO_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'tiff'];

/** sharp's own default input limit: 0x3FFF x 0x3FFF pixels. */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (width x height), read from the header. */
  readonly maxPixels?: number;
}

const WHITE = { r: 255, g: 255, b: 255 };

/**
 * Decodes a JPEG, PNG, WebP or TIFF photo into 8-bit sRGB pixels: EXIF orientation applied,
 * alpha flattened onto white, 16-bit, greyscale and CMYK converted; the first page of a
 * multi-page file. Throws InvalidImageError for anything else, ImageTooLargeError above
 * maxPixels (checked on the header, before any pixel is decoded).
 */
export async function decodePhoto(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  if (bytes.length === 0) throw new InvalidImageError('empty', 'the image is empty (0 bytes)');

  const sharpOptions: SharpOptions = {
    // 'error' rejects truncated and corrupt data but tolerates the benign libjpeg warnings
    // (e.g. extraneous bytes before a marker) that some cameras' files raise.
    failOn: 'error',
    limitInputPixels: maxPixels,
  };
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { ...sharpOptions, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InvalidImageError('unreadable', 'the bytes are not an image in a known format', {}, { cause: error });
  }
  if (!PHOTO_FORMATS.includes(metadata.format)) {
    throw new InvalidImageError('unsupported_format', `images in ${metadata.format} format are not accepted; send JPEG, PNG, WebP or TIFF`, {
      format: metadata.format,
    });
  }
  const pixels = metadata.width * metadata.height;
  if (pixels > maxPixels) throw new ImageTooLargeError(pixels, maxPixels);

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { ...sharpOptions, autoOrient: true })
      .flatten({ background: WHITE })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InvalidImageError('corrupt', `the ${metadata.format} image is corrupt or truncated`, { format: metadata.format }, { cause: error });
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new InvalidImageError('corrupt', `the ${metadata.format} image decoded to ${info.channels} channels, not RGB`, {
      format: metadata.format,
    });
  }
  // sharp's output buffers are plain ArrayBuffers (never shared), so a view needs no copy.
  return rgbImage(info.width, info.height, new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.length));
}
