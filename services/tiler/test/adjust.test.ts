import { describe, expect, it } from 'vitest';
import {
  adjustColours,
  chooseAdjustment,
  claheGrid,
  claheOnLightness,
  histogramPercentile,
  percentileStretch,
  planAdjustment,
} from '../src/domain/adjust.js';
import { clahe } from '../src/domain/clahe.js';
import { toGrey } from '../src/domain/colour-space.js';
import { greyImage, rgbImage, type RgbImage } from '../src/domain/image.js';
import { cv2Run, difference, hasCv2, hasIsic, isicImage } from './cv2-pixels.js';

/** numpy.percentile's default ('linear') on a plain list, for comparison. */
function linearPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
}

function noisyImage(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const x = Math.floor(i / 3) % width;
    data[i] = Math.min(255, Math.floor((x * 200) / width) + (s >>> 27));
  }
  return rgbImage(width, height, data);
}

describe('adjustment chooser', () => {
  it('picks by skin fraction with the research edges: <= 0.75, (0.75, 0.80], > 0.80', () => {
    expect(chooseAdjustment(0)).toBe('clahe');
    expect(chooseAdjustment(0.75)).toBe('clahe');
    expect(chooseAdjustment(0.7500001)).toBe('stretch_and_clahe');
    expect(chooseAdjustment(0.8)).toBe('stretch_and_clahe');
    expect(chooseAdjustment(0.8000001)).toBe('none');
    expect(chooseAdjustment(1)).toBe('none');
  });

  it('uses a floor(sqrt(H * W) / 100) CLAHE grid, at least 1', () => {
    expect(claheGrid(4000, 3000)).toBe(34);
    expect(claheGrid(768, 576)).toBe(6);
    expect(claheGrid(50, 50)).toBe(1);
  });

  it('returns the photo itself when no adjustment applies', () => {
    const image = noisyImage(20, 10, 1);
    expect(adjustColours(image, 0.9)).toEqual({ image, adjustment: 'none' });
  });
});

describe('percentile stretch', () => {
  it('computes percentiles as numpy does (linear interpolation between ranks)', () => {
    const values = [0, 3, 3, 7, 10, 10, 10, 200, 255, 1, 4];
    const hist = new Float64Array(256);
    for (const v of values) hist[v]++;
    for (const p of [0, 1, 25, 50, 73.3, 99, 100]) expect(histogramPercentile(hist, values.length, p)).toBeCloseTo(linearPercentile(values, p), 12);
  });

  it('maps the 1st percentile to 0 and the 99th to 255 per channel, clipping outside', () => {
    // 100 pixels: red 50..149, green constant, blue two values.
    const data = new Uint8Array(300);
    for (let i = 0; i < 100; i++) data.set([50 + i, 80, i < 50 ? 10 : 20], i * 3);
    const out = percentileStretch(rgbImage(100, 1, data)).data;
    // Red percentiles: 1 % -> 50.99, 99 % -> 148.01.
    expect(out[0]).toBe(0);
    expect(out[99 * 3]).toBe(255);
    expect(out[50 * 3]).toBe(Math.floor(((100 - 50.99) * 255) / (148.01 - 50.99) + 0.5));
    expect(out[1]).toBe(80); // equal percentiles: channel untouched
    expect([out[2], out[299]]).toEqual([0, 255]);
  });
});

describe('CLAHE and the Lab round trip', () => {
  it('applies lazily to regions exactly as to the whole photo', () => {
    const image = noisyImage(230, 170, 7);
    for (const skin of [0.5, 0.78]) {
      const whole = adjustColours(image, skin).image;
      const plan = planAdjustment(image, skin);
      const box = { x0: 17, y0: 40, x1: 130, y1: 97 };
      const region = plan.region(box);
      expect([region.width, region.height]).toEqual([box.x1 - box.x0, box.y1 - box.y0]);
      const expected = new Uint8Array(region.data.length);
      for (let y = box.y0; y < box.y1; y++) {
        const from = (y * image.width + box.x0) * 3;
        expected.set(whole.data.subarray(from, from + region.width * 3), (y - box.y0) * region.width * 3);
      }
      expect(difference(region.data, expected).mismatches).toBe(0);
    }
  });

  it('maps a constant image to 255 without clipping and to the redistributed share with it', () => {
    const flat = greyImage(40, 30, new Uint8Array(1200).fill(90));
    expect(new Set(clahe(flat, 0, 2, 2).data)).toEqual(new Set([255]));
    // Tiles of 20 x 15 = 300 px; limit max(trunc(300 / 256), 1) = 1, so 299 counts are spread:
    // 1 to every bin, the 43 left every 5th bin from 0. Bins 0..90 then hold 91 + 1 + 19 = 111,
    // and round(111 * 255 / 300) = 94.
    expect(new Set(clahe(flat, 1, 2, 2).data)).toEqual(new Set([94]));
  });

  it.skipIf(!hasCv2 || !hasIsic)('matches cv2 CLAHE on grey images, with and without grid padding', async () => {
    const rgb = await isicImage('ISIC_0000002.jpg');
    const grey = toGrey(rgb);
    const cases = [
      [2, 8, 8],
      [0.25, 7, 5],
      [1, 5, 9],
      [40, 3, 3],
    ] as const;
    // One interpreter for all cases: starting Python with cv2 costs more than the work.
    const reference = cv2Run(
      rgb,
      [
        'grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)',
        `out = np.concatenate([cv2.createCLAHE(clipLimit=c, tileGridSize=(tx, ty)).apply(grey).ravel() for c, tx, ty in ${JSON.stringify(cases)}])`,
      ].join('\n'),
    );
    const n = grey.width * grey.height;
    cases.forEach(([clip, tx, ty], i) => {
      expect(difference(clahe(grey, clip, tx, ty).data, reference.subarray(i * n, (i + 1) * n)).mismatches).toBe(0);
    });
  });

  it.skipIf(!hasCv2 || !hasIsic)('matches the cv2 pipelines of both regimes on an ISIC image', async () => {
    const claheOnL = (clip: number) =>
      [
        'h, w = img.shape[:2]; t = max(1, int(np.floor(np.sqrt(h * w) / 100)))',
        'lab = cv2.cvtColor(img, cv2.COLOR_RGB2Lab)',
        `lab[:, :, 0] = cv2.createCLAHE(clipLimit=${clip}, tileGridSize=(t, t)).apply(lab[:, :, 0])`,
        'out = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)',
      ].join('\n');
    const stretch = [
      'chans = []',
      'for k in range(3):',
      '    x = img[:, :, k].astype(np.float64); lo, hi = np.percentile(x, 1), np.percentile(x, 99)',
      '    chans.append(np.clip(np.floor((x - lo) * 255 / (hi - lo) + 0.5), 0, 255) if hi > lo else x)',
      'img = np.stack(chans, axis=2).astype(np.uint8)',
    ].join('\n');
    const rgb = await isicImage('ISIC_0000001.jpg');
    const reference = cv2Run(rgb, ['source = img', claheOnL(0.25), 'alone = out', 'img = source', stretch, claheOnL(1.0), 'out = np.concatenate([alone.ravel(), out.ravel()])'].join('\n'));
    const n = rgb.data.length;
    const alone = difference(claheOnLightness(rgb, 0.25).data, reference.subarray(0, n));
    expect(alone.max).toBeLessThanOrEqual(1);
    expect(alone.mean).toBeLessThan(0.01);
    expect(alone.mismatches).toBe(0); // measured: bit-exact with OpenCV 4.6
    const stretched = difference(adjustColours(rgb, 0.78).image.data, reference.subarray(n));
    expect(stretched.mismatches).toBe(0);
  });
});
