import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blurGate, blurThreshold, laplacianVariance } from '../src/domain/blur.js';
import { toGrey } from '../src/domain/colour-space.js';
import { greyImage, rgbImage, type GreyImage } from '../src/domain/image.js';
import { cv2Number, hasCv2, hasIsic, isicImage } from './cv2-pixels.js';

/** Straightforward Laplacian variance with an explicit BORDER_REFLECT_101, for comparison. */
function naiveLaplacianVariance(grey: GreyImage): number {
  const { width: w, height: h, data } = grey;
  const reflect = (i: number, n: number): number => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const at = (x: number, y: number): number => data[reflect(y, h) * w + reflect(x, w)];
  const values: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}

function checkerboard(width: number, height: number, square: number): Buffer {
  const raw = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * width + x] = (Math.floor(x / square) + Math.floor(y / square)) % 2 ? 230 : 25;
  }
  return raw;
}

describe('blur gate', () => {
  it('uses floor(sqrt(H * W) / 1000) as the threshold', () => {
    expect(blurThreshold(4000, 3000)).toBe(3);
    expect(blurThreshold(1000, 1000)).toBe(1);
    expect(blurThreshold(999, 1000)).toBe(0);
    expect(blurThreshold(6000, 4000)).toBe(4);
  });

  it('matches a direct Laplacian with reflected borders, including 1-pixel images', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const [w, h] of [[17, 13], [1, 9], [9, 1], [2, 2], [1, 1]]) {
      const grey = greyImage(w, h, Uint8Array.from({ length: w * h }, random));
      expect(laplacianVariance(grey)).toBeCloseTo(naiveLaplacianVariance(grey), 9);
    }
  });

  it('scores a constant image 0', () => {
    expect(laplacianVariance(greyImage(20, 10, new Uint8Array(200).fill(77)))).toBe(0);
  });

  it('passes a sharp checkerboard and rejects a heavily blurred one', async () => {
    const width = 1200;
    const height = 1000; // threshold 1
    const sharpBoard = greyImage(width, height, new Uint8Array(checkerboard(width, height, 8)));
    const verdict = blurGate(sharpBoard);
    expect(verdict.threshold).toBe(1);
    expect(verdict.blurred).toBe(false);
    expect(verdict.score).toBeGreaterThan(1000);

    const blurred = await sharp(checkerboard(width, height, 8), { raw: { width, height, channels: 1 } }).blur(12).extractChannel(0).raw().toBuffer();
    const blurredVerdict = blurGate(greyImage(width, height, new Uint8Array(blurred)));
    expect(blurredVerdict.score).toBeLessThan(1);
    expect(blurredVerdict.blurred).toBe(true);
  });

  it.skipIf(!hasCv2 || !hasIsic)('equals var(cv2.Laplacian(grey, CV_64F)) on an ISIC image', async () => {
    const rgb = await isicImage('ISIC_0000001.jpg');
    const expected = cv2Number(rgb, 'value = cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()');
    expect(laplacianVariance(toGrey(rgb))).toBeCloseTo(expected, 9);
  });

  it('reports the score of an RGB photo through its grey image', () => {
    const rgb = rgbImage(3, 1, Uint8Array.from([0, 0, 0, 255, 255, 255, 0, 0, 0]));
    // Grey 0, 255, 0. One row reflects onto itself vertically, so the Laplacian is
    // left + right - 2 * centre: 510, -510, 510; mean 170, variance 260100 - 170^2.
    expect(laplacianVariance(toGrey(rgb))).toBeCloseTo(510 ** 2 - 170 ** 2, 9);
  });
});
