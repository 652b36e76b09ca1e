import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { centreFeatures } from '../src/domain/centre-features.js';
import { InvalidImageError } from '../src/domain/errors.js';
import { rgbImage } from '../src/domain/image.js';
import { patchImages } from '../src/domain/patch.js';
import type { BlobDetector } from '../src/domain/blobs.js';
import { selectCandidates, tilePhoto, type TileResult } from '../src/domain/tile-photo.js';
import { createBlobDetector } from '../src/parallel/blob-detector.js';

const SKIN = [224, 172, 140];
const MOLE = [70, 45, 35];
const OPTIONS = { cropSize: 96, maxCandidates: 10, maxPixels: 10_000_000 };

/** Skin with mild noise (so the blur gate has texture) and dark discs [cx, cy, radius]. */
function skinWithDiscs(width: number, height: number, discs: readonly (readonly [number, number, number])[]): Buffer {
  let s = 5;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inDisc = discs.some(([cx, cy, r]) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r);
      const colour = inDisc ? MOLE : SKIN;
      s = (s * 1103515245 + 12345) >>> 0;
      const noise = (s >>> 29) - 3;
      raw.set(colour.map((c) => c + noise), (y * width + x) * 3);
    }
  }
  return raw;
}

async function png(raw: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

const DISCS = [
  [200, 150, 20],
  [550, 200, 30],
  [400, 440, 40],
] as const;

describe('tilePhoto', () => {
  let photo: Buffer;
  let result: TileResult;
  beforeAll(async () => {
    photo = await png(skinWithDiscs(800, 600, DISCS), 800, 600);
    result = await tilePhoto(photo, OPTIONS);
  });

  it('finds the three dark discs, in reading order, with their sizes', () => {
    expect(result).toMatchObject({ width: 800, height: 600, blurred: false, truncated: false });
    expect(result.candidates).toHaveLength(3);
    result.candidates.forEach((candidate, i) => {
      const [cx, cy, r] = DISCS[i];
      expect(Math.abs(candidate.x - cx)).toBeLessThan(1.5);
      expect(Math.abs(candidate.y - cy)).toBeLessThan(1.5);
      expect(Math.abs(candidate.diameter - 2 * r) / (2 * r)).toBeLessThan(0.1);
      const half = 1.5 * candidate.diameter;
      expect(Math.abs(candidate.x0 - (candidate.x - half))).toBeLessThanOrEqual(1);
      expect(Math.abs(candidate.y1 - (candidate.y + half))).toBeLessThanOrEqual(1);
    });
  });

  it('reports centre features of a disc filling about pi / 36 of its crop', () => {
    for (const candidate of result.candidates) {
      expect(candidate.centreBlobCount).toBe(1);
      expect(candidate.centreBlobShare).toBeGreaterThan(0.07);
      expect(candidate.centreBlobShare).toBeLessThan(0.1);
      // The research's mask counts dark brown as skin too: the crop is all "skin".
      expect(candidate.cropSkinFraction).toBeGreaterThan(0.95);
    }
  });

  it('returns one crop per candidate with the disc at its centre', () => {
    const { crops } = result;
    expect(crops).toMatchObject({ count: 3, height: 96, width: 96, channels: 3 });
    expect(crops.data.length).toBe(3 * 96 * 96 * 3);
    for (let i = 0; i < 3; i++) {
      const centre = ((i * 96 + 48) * 96 + 48) * 3;
      expect(crops.data[centre]).toBeLessThan(100);
      const corner = i * 96 * 96 * 3;
      expect(crops.data[corner]).toBeGreaterThan(200);
    }
  });

  it('leaves a skin-dominated photo unadjusted and times every stage', () => {
    expect(result.skinFraction).toBeGreaterThan(0.8);
    expect(result.adjustment).toBe('none');
    expect(result.blurThreshold).toBe(0);
    expect(Object.keys(result.timingsMs).sort()).toEqual(['adjust', 'blur', 'centre', 'crop', 'decode', 'detect', 'skin']);
    for (const ms of Object.values(result.timingsMs)) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('keeps the largest candidates beyond maxCandidates, still in reading order', async () => {
    const capped = await tilePhoto(photo, { ...OPTIONS, maxCandidates: 2 });
    expect(capped.truncated).toBe(true);
    expect(capped.candidates.map((c) => Math.round(c.x))).toEqual([550, 400]);
    expect(capped.crops.count).toBe(2);
    const none = await tilePhoto(photo, { ...OPTIONS, maxCandidates: 0 });
    expect([none.candidates.length, none.crops.data.length, none.truncated]).toEqual([0, 0, true]);
  });

  it('stops at the blur gate for a blurred photo', async () => {
    const width = 1100;
    const height = 1000; // threshold 1
    const blurred = await sharp(skinWithDiscs(width, height, [[500, 500, 60]]), { raw: { width, height, channels: 3 } })
      .blur(15)
      .png()
      .toBuffer();
    const verdict = await tilePhoto(blurred, OPTIONS);
    expect(verdict).toMatchObject({ blurred: true, blurThreshold: 1, candidates: [], truncated: false, adjustment: 'none', skinFraction: 0 });
    expect(verdict.blurScore).toBeLessThan(1);
    expect(verdict.crops.count).toBe(0);
    expect(verdict.timingsMs.detect).toBe(0);
  });

  it('reports the size after EXIF orientation', async () => {
    const rotated = await sharp(skinWithDiscs(300, 200, [[100, 100, 20]]), { raw: { width: 300, height: 200, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const tiled = await tilePhoto(rotated, OPTIONS);
    expect([tiled.width, tiled.height]).toEqual([200, 300]);
    // (100, 100) in the stored image is (200 - 1 - 100, 100) after a clockwise quarter turn.
    expect(tiled.candidates).toHaveLength(1);
    expect(Math.abs(tiled.candidates[0].x - 99)).toBeLessThan(2);
    expect(Math.abs(tiled.candidates[0].y - 100)).toBeLessThan(2);
  });

  it('detects step 1 through the blob detector it is given, the same blobs with two threads', async () => {
    const seen: { width: number; height: number; minArea: number }[] = [];
    const spy: Pick<BlobDetector, 'detect'> = {
      detect: async (grey, params) => {
        seen.push({ width: grey.width, height: grey.height, minArea: params.minArea });
        return [{ x: 400, y: 300, diameter: 50, area: 1900 }];
      },
    };
    const spied = await tilePhoto(photo, OPTIONS, spy);
    expect(seen).toEqual([{ width: 800, height: 600, minArea: 100 }]);
    expect(spied.candidates.map((c) => [c.x, c.y, c.diameter])).toEqual([[400, 300, 50]]);

    const threaded = await createBlobDetector({ threads: 2 });
    try {
      expect(await tilePhoto(photo, OPTIONS, threaded)).toEqual({ ...result, timingsMs: expect.any(Object) as unknown });
    } finally {
      await threaded.close();
    }
  });

  it('rejects bytes that are not a photo and invalid options', async () => {
    await expect(tilePhoto(Buffer.from('nope'), OPTIONS)).rejects.toBeInstanceOf(InvalidImageError);
    await expect(tilePhoto(photo, { ...OPTIONS, cropSize: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('selectCandidates', () => {
  it('orders by y then x and breaks size ties by position', () => {
    const blobs = [
      { x: 5, y: 9, diameter: 4, area: 12 },
      { x: 1, y: 9, diameter: 4, area: 12 },
      { x: 7, y: 2, diameter: 8, area: 50 },
    ];
    expect(selectCandidates(blobs, 5).kept.map((b) => b.x)).toEqual([7, 1, 5]);
    expect(selectCandidates(blobs, 2)).toEqual({ kept: [blobs[2], blobs[1]], truncated: true });
  });
});

describe('centreFeatures', () => {
  it('is zero blobs and zero share on a plain crop', () => {
    const crop = rgbImage(64, 64, new Uint8Array(64 * 64 * 3).fill(200));
    expect(centreFeatures(crop)).toEqual({ count: 0, share: 0, skinFraction: 0 });
    expect(() => centreFeatures(rgbImage(4, 3))).toThrow(RangeError);
  });
});

describe('patchImages', () => {
  it('resizes each whole image to one size x size patch, in order', async () => {
    const red = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const blue = await sharp({ create: { width: 40, height: 90, channels: 3, background: '#0000ff' } }).png().toBuffer();
    const patches = await patchImages([red, blue], 32);
    expect(patches).toMatchObject({ count: 2, height: 32, width: 32, channels: 3 });
    expect(patches.data.length).toBe(2 * 32 * 32 * 3);
    expect(Array.from(patches.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(patches.data.subarray(32 * 32 * 3, 32 * 32 * 3 + 3))).toEqual([0, 0, 255]);
    await expect(patchImages([red, new Uint8Array(0)], 32)).rejects.toBeInstanceOf(InvalidImageError);
  });
});
