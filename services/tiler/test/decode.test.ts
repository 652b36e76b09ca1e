import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePhoto } from '../src/domain/decode.js';
import { ImageTooLargeError, InvalidImageError } from '../src/domain/errors.js';
import type { RgbImage } from '../src/domain/image.js';

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(i, i + 3));
}

function solid(width: number, height: number, background: string): Sharp {
  return sharp({ create: { width, height, channels: 3, background } });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function expectInvalid(bytes: Uint8Array, reason: string): Promise<void> {
  const error = await rejection(decodePhoto(bytes));
  expect(error).toBeInstanceOf(InvalidImageError);
  expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', reason });
}

describe('decodePhoto', () => {
  it('decodes a JPEG to 8-bit RGB of the same size', async () => {
    const image = await decodePhoto(await solid(30, 20, '#4080c0').jpeg({ quality: 95 }).toBuffer());
    expect([image.width, image.height, image.channels, image.data.length]).toEqual([30, 20, 3, 30 * 20 * 3]);
    const [r, g, b] = pixel(image, 15, 10);
    expect(Math.abs(r - 0x40)).toBeLessThanOrEqual(3);
    expect(Math.abs(g - 0x80)).toBeLessThanOrEqual(3);
    expect(Math.abs(b - 0xc0)).toBeLessThanOrEqual(3);
  });

  it('applies EXIF orientation 6 (rotate 90 degrees clockwise): width and height swap', async () => {
    // Left half red, right half blue; after a clockwise quarter turn the left half is on top.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 40; x++) raw.set(x < 20 ? [220, 20, 20] : [20, 20, 220], (y * 40 + x) * 3);
    }
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const image = await decodePhoto(jpeg);
    expect([image.width, image.height]).toEqual([20, 40]);
    expect(pixel(image, 10, 5)[0]).toBeGreaterThan(180);
    expect(pixel(image, 10, 35)[2]).toBeGreaterThan(180);
  });

  it('flattens PNG alpha onto white', async () => {
    const rgba = Buffer.alloc(4 * 2 * 4);
    for (let i = 0; i < 8; i++) rgba.set([0, 0, 255, i < 4 ? 0 : 255], i * 4);
    const image = await decodePhoto(await sharp(rgba, { raw: { width: 4, height: 2, channels: 4 } }).png().toBuffer());
    expect(image.channels).toBe(3);
    expect(pixel(image, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(image, 0, 1)).toEqual([0, 0, 255]);
  });

  it('reduces a 16-bit PNG to 8 bits', async () => {
    const samples = new Uint16Array(4 * 4 * 3).fill(32896); // 0x8080: 128 in 8 bits
    const png = await sharp(samples, { raw: { width: 4, height: 4, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const image = await decodePhoto(png);
    expect(image.data.length).toBe(4 * 4 * 3);
    expect(pixel(image, 1, 1)).toEqual([128, 128, 128]);
  });

  it('expands a greyscale PNG to three equal channels', async () => {
    const png = await sharp(Buffer.alloc(16, 100), { raw: { width: 4, height: 4, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const image = await decodePhoto(png);
    expect(pixel(image, 2, 2)).toEqual([100, 100, 100]);
  });

  it('converts a CMYK JPEG to RGB', async () => {
    const jpeg = await solid(8, 8, '#ff0000').toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(jpeg).metadata()).space).toBe('cmyk');
    const [r, g, b] = pixel(await decodePhoto(jpeg), 4, 4);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(40);
    expect(b).toBeLessThan(40);
  });

  it('decodes WebP and TIFF', async () => {
    for (const bytes of [await solid(6, 5, '#808080').webp({ lossless: true }).toBuffer(), await solid(6, 5, '#808080').tiff().toBuffer()]) {
      const image = await decodePhoto(bytes);
      expect([image.width, image.height]).toEqual([6, 5]);
      expect(pixel(image, 3, 2)).toEqual([128, 128, 128]);
    }
  });

  it('refuses GIF, AVIF and SVG as unsupported formats', async () => {
    await expectInvalid(await solid(8, 8, '#808080').gif().toBuffer(), 'unsupported_format');
    await expectInvalid(await solid(8, 8, '#808080').avif().toBuffer(), 'unsupported_format');
    await expectInvalid(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>'), 'unsupported_format');
  });

  it('refuses empty, unreadable, truncated and corrupt input with the typed error', async () => {
    await expectInvalid(new Uint8Array(0), 'empty');
    await expectInvalid(Buffer.from('certainly not an image'), 'unreadable');
    const jpeg = await solid(400, 300, '#808080').jpeg().toBuffer();
    await expectInvalid(jpeg.subarray(0, jpeg.length >> 1), 'corrupt');
    const png = await solid(400, 300, '#808080').png().toBuffer();
    await expectInvalid(png.subarray(0, png.length - 20), 'corrupt');
  });

  it('refuses more than maxPixels from the header alone, before decoding pixels', async () => {
    const jpeg = await solid(400, 300, '#808080').jpeg().toBuffer();
    // Cut right after the frame header: no pixel data, yet the size is known.
    const error = await rejection(decodePhoto(jpeg.subarray(0, 400), { maxPixels: 400 * 300 - 1 }));
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toMatchObject({ code: 'OUT_OF_RANGE', details: { limit: 'TILER_MAX_PIXELS', pixels: 120000, max: 119999 } });
    await expect(decodePhoto(jpeg, { maxPixels: 400 * 300 })).resolves.toMatchObject({ width: 400, height: 300 });
  });
});
