import { describe, expect, it } from 'vitest';
import { planAdjustment } from '../src/domain/adjust.js';
import { candidateBox, cropCandidates } from '../src/domain/crops.js';
import { rgbImage, type RgbImage } from '../src/domain/image.js';
import { resizeRegionInto } from '../src/domain/resize.js';
import { cv2Run, difference, hasCv2, hasIsic, isicImage } from './cv2-pixels.js';

const GREY = [128, 128, 128];
const RED = [220, 20, 20];

/** Grey background with a red square of side `side` centred on (cx, cy). */
function redSquare(width: number, height: number, cx: number, cy: number, side: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = Math.abs(x + 0.5 - cx) < side / 2 && Math.abs(y + 0.5 - cy) < side / 2;
      data.set(inside ? RED : GREY, (y * width + x) * 3);
    }
  }
  return rgbImage(width, height, data);
}

function cropPixel(data: Uint8Array, size: number, crop: number, x: number, y: number): number[] {
  const i = ((crop * size + y) * size + x) * 3;
  return Array.from(data.subarray(i, i + 3));
}

describe('candidate boxes', () => {
  it('is the 3d square centred on the blob', () => {
    expect(candidateBox({ x: 50, y: 40, diameter: 10 }, 200, 100)).toEqual({ x0: 35, y0: 25, x1: 65, y1: 55 });
  });

  it('clips at the image border', () => {
    expect(candidateBox({ x: 3, y: 4, diameter: 10 }, 200, 100)).toEqual({ x0: 0, y0: 0, x1: 18, y1: 19 });
    expect(candidateBox({ x: 195, y: 97, diameter: 10 }, 200, 100)).toEqual({ x0: 180, y0: 82, x1: 200, y1: 100 });
  });

  it('keeps at least the nearest pixel for degenerate boxes', () => {
    expect(candidateBox({ x: 199.9, y: 50, diameter: 0 }, 200, 100)).toEqual({ x0: 199, y0: 50, x1: 200, y1: 51 });
    expect(candidateBox({ x: -20, y: 500, diameter: 2 }, 200, 100)).toEqual({ x0: 0, y0: 99, x1: 1, y1: 100 });
  });
});

describe('cropCandidates', () => {
  it('puts the blob at the crop centre, one NHWC slot per candidate', () => {
    const image = redSquare(200, 100, 50, 40, 10);
    for (const size of [30, 64, 150]) {
      const { boxes, data } = cropCandidates(image, [{ x: 50, y: 40, diameter: 10 }, { x: 150, y: 60, diameter: 10 }], size);
      expect(data.length).toBe(2 * size * size * 3);
      expect(boxes[0]).toEqual({ x0: 35, y0: 25, x1: 65, y1: 55 });
      const centre = size >> 1;
      expect(cropPixel(data, size, 0, centre, centre)).toEqual(RED);
      expect(cropPixel(data, size, 0, 0, 0)).toEqual(GREY);
      expect(cropPixel(data, size, 0, size - 1, size - 1)).toEqual(GREY);
      // The red square covers the middle third of the crop (edges blend over ~1 source pixel).
      expect(cropPixel(data, size, 0, Math.floor(size * 0.27), centre)).toEqual(GREY);
      expect(cropPixel(data, size, 0, Math.floor(size * 0.4), centre)).toEqual(RED);
      expect(cropPixel(data, size, 0, Math.floor(size * 0.6), centre)).toEqual(RED);
      expect(cropPixel(data, size, 0, Math.floor(size * 0.8), centre)).toEqual(GREY);
      expect(cropPixel(data, size, 1, centre, centre)).toEqual(GREY);
    }
  });

  it('stretches a crop clipped at a corner over the whole output', () => {
    const image = redSquare(100, 80, 2, 2, 4);
    const { boxes, data } = cropCandidates(image, [{ x: 2, y: 2, diameter: 4 }], 40);
    expect(boxes[0]).toEqual({ x0: 0, y0: 0, x1: 8, y1: 8 });
    expect(cropPixel(data, 40, 0, 0, 0)).toEqual(RED);
    expect(cropPixel(data, 40, 0, 39, 39)).toEqual(GREY);
  });

  it('handles degenerate boxes and no candidates', () => {
    const image = redSquare(20, 10, 19.5, 9.5, 1);
    const { boxes, data } = cropCandidates(image, [{ x: 19.9, y: 9.9, diameter: 0 }], 8);
    expect(boxes).toEqual([{ x0: 19, y0: 9, x1: 20, y1: 10 }]);
    expect(cropPixel(data, 8, 0, 4, 4)).toEqual(RED);
    expect(cropCandidates(image, [], 8).data.length).toBe(0);
    expect(() => cropCandidates(image, [], 0)).toThrow(RangeError);
  });

  it('crops the same pixels from a lazily adjusted photo as from the adjusted image', () => {
    let s = 3;
    const noise = rgbImage(300, 200, Uint8Array.from({ length: 300 * 200 * 3 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24));
    const plan = planAdjustment(noise, 0.5);
    const spots = [
      { x: 20, y: 30, diameter: 9 },
      { x: 150, y: 100, diameter: 40 },
      { x: 299, y: 199, diameter: 3 },
    ];
    const lazy = cropCandidates(plan, spots, 50);
    const eager = cropCandidates(plan.region({ x0: 0, y0: 0, x1: 300, y1: 200 }), spots, 50);
    expect(lazy.boxes).toEqual(eager.boxes);
    expect(difference(lazy.data, eager.data).mismatches).toBe(0);
    // A large box shrunk a lot reads a sparse grid of its pixels: same result.
    const shrunk = [{ x: 150, y: 100, diameter: 60 }];
    expect(difference(cropCandidates(plan, shrunk, 20).data, cropCandidates(plan.region({ x0: 0, y0: 0, x1: 300, y1: 200 }), shrunk, 20).data).mismatches).toBe(0);
    // Boxes covering more than half the photo take the whole-photo path: same pixels again.
    const large = [{ x: 150, y: 100, diameter: 100 }];
    expect(difference(cropCandidates(plan, large, 50).data, cropCandidates(plan.region({ x0: 0, y0: 0, x1: 300, y1: 200 }), large, 50).data).mismatches).toBe(0);
  });

  it.skipIf(!hasCv2 || !hasIsic)('resizes exactly as cv2.resize INTER_LINEAR (up, down, 2x, 1x, odd shapes)', async () => {
    const rgb = await isicImage('ISIC_0000001.jpg');
    let s = 11;
    const random = (n: number): number => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const cases: [number, number, number, number, number][] = [
      [0, 0, 300, 300, 150],
      [10, 10, 160, 160, 150],
      [0, 0, rgb.width, rgb.height, 150],
      [5, 5, 6, 6, 150],
      [0, 0, 1, 200, 96],
    ];
    for (let i = 0; i < 60; i++) {
      const x0 = random(rgb.width - 1);
      const y0 = random(rgb.height - 1);
      cases.push([x0, y0, Math.min(rgb.width, x0 + 1 + random(400)), Math.min(rgb.height, y0 + 1 + random(400)), [150, 224, 37][i % 3]]);
    }
    const reference = cv2Run(
      rgb,
      `out = np.concatenate([cv2.resize(img[y0:y1, x0:x1], (n, n), interpolation=cv2.INTER_LINEAR).ravel() for x0, y0, x1, y1, n in ${JSON.stringify(cases)}])`,
    );
    let offset = 0;
    for (const [x0, y0, x1, y1, size] of cases) {
      const ours = new Uint8Array(size * size * 3);
      resizeRegionInto(rgb, { x0, y0, x1, y1 }, size, ours, 0);
      expect(difference(ours, reference.subarray(offset, offset + ours.length)).mismatches).toBe(0);
      offset += ours.length;
    }
    expect(offset).toBe(reference.length);
  });
});
