import { describe, expect, it } from 'vitest';
import { laplacianVariance } from '../src/domain/blur.js';
import { toGrey } from '../src/domain/colour-space.js';
import { greyImage, rgbImage, type RgbImage } from '../src/domain/image.js';
import { rowWords } from '../src/domain/pixel-words.js';
import { skinFraction, skinMask } from '../src/domain/skin.js';

/**
 * The whole-photo loops read pixels four at a time when rows start on 32-bit word boundaries
 * and byte by byte otherwise; both ways must give the same numbers. The same bytes are placed
 * once at an aligned offset and once one byte further (which forces the byte loops).
 */
function twoPlacements(bytes: Uint8Array): { aligned: Uint8Array; shifted: Uint8Array } {
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  return { aligned, shifted };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Skin-like colours with noise and some blue, so that the skin mask has edges everywhere. */
function noisyPhoto(width: number, height: number, random: () => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const skin = random() < 0.7;
    const noise = Math.floor(random() * 40) - 20;
    data[i * 3] = Math.max(0, Math.min(255, (skin ? 215 : 40) + noise));
    data[i * 3 + 1] = Math.max(0, Math.min(255, (skin ? 165 : 80) + noise));
    data[i * 3 + 2] = Math.max(0, Math.min(255, (skin ? 135 : 200) + noise));
  }
  return rgbImage(width, height, data);
}

describe('rowWords', () => {
  it('views aligned rows of a multiple of 4 bytes as 32-bit words, little-endian', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const words = rowWords(bytes, 4);
    expect(words).not.toBeNull();
    expect(Array.from(words!)).toEqual([0x04030201, 0x08070605]);
  });

  it('gives no view when rows start off a word boundary', () => {
    expect(rowWords(new Uint8Array(12), 6)).toBeNull();
    expect(rowWords(new Uint8Array(13).subarray(1), 4)).toBeNull();
  });
});

describe('word and byte loops agree', () => {
  const random = mulberry32(7);
  const sizes = [
    [64, 9],
    [36, 17],
    [4, 5],
    [8, 1],
    [37, 11],
    [5, 3],
  ] as const;

  it('toGrey', () => {
    for (const [width, height] of sizes) {
      const photo = noisyPhoto(width, height, random);
      const { aligned, shifted } = twoPlacements(photo.data);
      expect(rowWords(aligned, width * 3) !== null).toBe(width % 4 === 0);
      expect(toGrey(rgbImage(width, height, aligned)).data).toEqual(toGrey(rgbImage(width, height, shifted)).data);
    }
  });

  it('laplacianVariance', () => {
    for (const [width, height] of sizes) {
      const grey = Uint8Array.from({ length: width * height }, () => Math.floor(random() * 256));
      const { aligned, shifted } = twoPlacements(grey);
      expect(laplacianVariance(greyImage(width, height, aligned))).toBe(laplacianVariance(greyImage(width, height, shifted)));
    }
  });

  it('skin mask and skin fraction', () => {
    for (const [width, height] of sizes) {
      const photo = noisyPhoto(width, height, random);
      const { aligned, shifted } = twoPlacements(photo.data);
      const a = rgbImage(width, height, aligned);
      const b = rgbImage(width, height, shifted);
      expect(skinMask(a)).toEqual(skinMask(b));
      expect(skinFraction(a)).toBe(skinFraction(b));
      // The fraction is the share of set pixels of the same mask.
      expect(skinFraction(a)).toBe(skinMask(a).filter((v) => v === 255).length / (width * height));
    }
  });
});
