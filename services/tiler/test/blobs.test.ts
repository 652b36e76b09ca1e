import { describe, expect, it } from 'vitest';
import { ContourBuffer, followBorder } from '../src/domain/blob-contour.js';
import { FRAME_LEFT, frameGrey, framedStride } from '../src/domain/blob-frame.js';
import { thresholdSequence } from '../src/domain/blob-params.js';
import { closedArcLength, contourMoments, convexHullArea, inertiaRatio, medianDistance, ShapeScratch } from '../src/domain/blob-shape.js';
import { centreMoleBlobParams, detectBlobs, wideFieldBlobParams, type BlobParams } from '../src/domain/blobs.js';
import { greyImage, type GreyImage } from '../src/domain/image.js';

/**
 * A flat image with hard-edged discs (pixel centres within the radius) and rectangles.
 * Scenes keep the image centre light: when it is dark, the image frame itself becomes a blob
 * (see the last detectBlobs test).
 */
interface Scene extends GreyImage {
  disc(cx: number, cy: number, r: number, grey: number): void;
  rect(x0: number, y0: number, x1: number, y1: number, grey: number): void;
}

function scene(width: number, height: number, background: number): Scene {
  const image = greyImage(width, height, new Uint8Array(width * height).fill(background));
  function disc(cx: number, cy: number, r: number, grey: number): void {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) image.data[y * width + x] = grey;
    }
  }
  function rect(x0: number, y0: number, x1: number, y1: number, grey: number): void {
    for (let y = y0; y < y1; y++) image.data.fill(grey, y * width + x0, y * width + x1);
  }
  return Object.assign(image, { disc, rect });
}

function params(image: GreyImage, overrides: Partial<BlobParams> = {}): BlobParams {
  return { ...wideFieldBlobParams(image.width, image.height), ...overrides };
}

describe('parameters', () => {
  it('wide field: thresholds 0..250 in steps of 10 and the pipeline filters', () => {
    const p = wideFieldBlobParams(4000, 3000);
    expect(thresholdSequence(p)).toEqual(Array.from({ length: 26 }, (_, i) => i * 10));
    expect(p).toMatchObject({
      minArea: 100,
      maxArea: 12_000_000,
      minCircularity: 0.1,
      minConvexity: 0.1,
      minInertiaRatio: 0.1,
      minRepeatability: 2,
      minDistBetweenBlobs: 10,
      blobColor: 0,
    });
  });

  it('centre mole: area between 3.3 % and 66 % of the crop, same thresholds and shape filters', () => {
    const p = centreMoleBlobParams(150);
    expect(p.minArea).toBeCloseTo(742.5, 9);
    expect(p.maxArea).toBeCloseTo(14_850, 9);
    const wide = wideFieldBlobParams(150, 150);
    for (const key of ['minThreshold', 'maxThreshold', 'thresholdStep', 'minCircularity', 'minConvexity', 'minInertiaRatio', 'blobColor'] as const) {
      expect(p[key]).toBe(wide[key]);
    }
  });

  it('rejects a threshold step that would never end', () => {
    const image = scene(20, 20, 200);
    expect(() => detectBlobs(image, params(image, { thresholdStep: 0 }))).toThrow(/thresholdStep/);
    expect(() => detectBlobs(image, params(image, { minRepeatability: 0 }))).toThrow(/minRepeatability/);
  });
});

describe('detectBlobs', () => {
  it('finds a dark disc once, with its centre and diameter', () => {
    const image = scene(200, 160, 200);
    image.disc(60.4, 50.6, 20, 40);
    const blobs = detectBlobs(image, params(image));
    expect(blobs).toHaveLength(1);
    const [blob] = blobs;
    expect(Math.abs(blob!.x - 60.4)).toBeLessThanOrEqual(1);
    expect(Math.abs(blob!.y - 50.6)).toBeLessThanOrEqual(1);
    expect(Math.abs(blob!.diameter - 40) / 40).toBeLessThanOrEqual(0.1);
    expect(Math.abs(blob!.area - Math.PI * 400) / (Math.PI * 400)).toBeLessThanOrEqual(0.1);
  });

  it('ignores a light disc when looking for dark blobs, and finds it when looking for light ones', () => {
    const image = scene(200, 160, 100);
    image.disc(60, 50, 20, 220);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    expect(detectBlobs(image, params(image, { blobColor: 255 }))).toHaveLength(1);
  });

  it('drops a disc below minArea', () => {
    const image = scene(120, 120, 200);
    image.disc(30, 30, 4, 40);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    expect(detectBlobs(image, params(image, { minArea: 10 }))).toHaveLength(1);
  });

  it('drops a thin line on inertia, not on the other filters', () => {
    const image = scene(200, 100, 200);
    image.rect(20, 28, 100, 32, 40);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    expect(detectBlobs(image, params(image, { minInertiaRatio: 0 }))).toHaveLength(1);
  });

  it('keeps two separate discs apart', () => {
    const image = scene(200, 120, 200);
    image.disc(40, 40, 12, 40);
    image.disc(80, 40, 12, 40);
    const blobs = detectBlobs(image, params(image)).sort((a, b) => a.x - b.x);
    expect(blobs).toHaveLength(2);
    expect(blobs[0]!.x).toBeCloseTo(40, 0);
    expect(blobs[1]!.x).toBeCloseTo(80, 0);
  });

  it('groups a dark core and its lighter lesion into one blob, as their centres lie within a radius', () => {
    const image = scene(200, 160, 200);
    image.disc(50, 50, 20, 120);
    image.disc(54, 50, 6, 30);
    const blobs = detectBlobs(image, params(image));
    expect(blobs).toHaveLength(1);
    // Thresholds 30..110 see the core (r ~ 6.5), 120..190 the lesion (r ~ 20.5): nine core and
    // eight lesion members, so the middle member by radius, which gives the size, is a core.
    expect(blobs[0]!.diameter).toBeGreaterThan(12);
    expect(blobs[0]!.diameter).toBeLessThan(14);
    expect(blobs[0]!.x).toBeGreaterThan(50);
    expect(blobs[0]!.x).toBeLessThan(54);
  });

  it('needs a blob at minRepeatability thresholds', () => {
    // Grey 195 on 205 is dark only at threshold 200.
    const image = scene(120, 120, 205);
    image.disc(30, 30, 15, 195);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    const once = detectBlobs(image, params(image, { minRepeatability: 1 }));
    expect(once).toHaveLength(1);
    expect(once[0]!.x).toBeCloseTo(30, 5);
  });

  it('does not see a disc cut by the image border: it opens into the background, as in findContours', () => {
    const image = scene(200, 160, 200);
    image.disc(5, 50, 20, 40);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    image.disc(60, 50, 20, 40);
    expect(detectBlobs(image, params(image))).toHaveLength(1);
  });

  it('makes the image frame a blob when the image centre is dark, as OpenCV does', () => {
    // The light region's outer contour runs along the frame; its centroid is the image centre,
    // and the binarised pixel there decides the colour filter.
    const image = scene(200, 160, 200);
    image.disc(30, 30, 4, 40);
    expect(detectBlobs(image, params(image))).toHaveLength(0);
    image.disc(99.5, 79.5, 4, 40);
    const blobs = detectBlobs(image, params(image));
    expect(blobs).toHaveLength(1);
    expect(blobs[0]!.x).toBeCloseTo(99.5, 3);
    expect(blobs[0]!.y).toBeCloseTo(79.5, 3);
    expect(blobs[0]!.area).toBe(199 * 159);
  });

  it('centre-mole limits: too small, fitting, too large', () => {
    const p = centreMoleBlobParams(150);
    const count = (r: number): number => {
      const image = scene(150, 150, 200);
      image.disc(75, 75, r, 40);
      return detectBlobs(image, p).length;
    };
    expect(count(14)).toBe(0);
    expect(count(30)).toBe(1);
    expect(count(69)).toBe(0);
  });
});

describe('detectBlobs internals', () => {
  /** A noisy skin-grey image with dark lesions: many regions at every threshold. */
  function noisyScene(width: number, height: number, seed: number): Scene {
    let state = seed;
    const random = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8) / 16777216;
    const image = scene(width, height, 150);
    for (let k = 0; k < 12; k++) image.disc(random() * width, random() * height, 3 + random() * 12, 20 + random() * 90);
    for (let i = 0; i < image.data.length; i++) image.data[i] = Math.max(0, Math.min(255, image.data[i]! + Math.floor(random() * 24) - 12));
    return image;
  }

  it('gives the same blobs whether rows are read four pixels at a time or byte by byte', () => {
    for (const [width, height] of [[160, 120], [157, 121]] as const) {
      const image = noisyScene(width, height, width);
      const shifted = new Uint8Array(image.data.length + 1).subarray(1);
      shifted.set(image.data);
      const expected = detectBlobs(image, params(image));
      expect(expected.length).toBeGreaterThan(0);
      expect(detectBlobs(greyImage(width, height, shifted), params(image))).toEqual(expected);
    }
  });

  it('keeps no state between detections: working memory reused across sizes changes nothing', () => {
    const large = noisyScene(400, 300, 1);
    const small = noisyScene(90, 70, 2);
    const largeFirst = detectBlobs(large, params(large));
    const smallFirst = detectBlobs(small, params(small));
    expect(detectBlobs(large, params(large))).toEqual(largeFirst);
    expect(detectBlobs(small, params(small))).toEqual(smallFirst);
    expect(detectBlobs(small, centreMoleBlobParams(70))).toEqual(detectBlobs(small, centreMoleBlobParams(70)));
  });

  it('skips thresholds whose binary image repeats an earlier one without changing the result', () => {
    // Two grey levels: thresholds 0..30 binarise alike (all foreground), as do 40..190 (the discs
    // are holes) and 200..250 (all background).
    const image = scene(200, 160, 200);
    image.disc(60, 50, 20, 40);
    image.disc(140, 100, 15, 40);
    const blobs = detectBlobs(image, params(image, { minRepeatability: 15 }));
    // Each disc is a blob at the 16 thresholds 40..190 and nowhere else.
    expect(blobs).toHaveLength(2);
    expect(detectBlobs(image, params(image, { minRepeatability: 17 }))).toHaveLength(0);
  });
});

describe('followBorder', () => {
  // Expected contours are OpenCV 4.6's findContours(RETR_LIST, CHAIN_APPROX_NONE) output.
  const width = 14;
  const height = 12;
  const grey = new Uint8Array(width * height);
  const fill = (x0: number, y0: number, x1: number, y1: number, v: number): void => {
    for (let y = y0; y < y1; y++) grey.fill(v, y * width + x0, y * width + x1);
  };
  fill(1, 1, 4, 4, 1);
  fill(8, 1, 12, 4, 1);
  fill(2, 6, 12, 11, 1);
  grey[8 * width + 5] = 0;
  grey[8 * width + 9] = 0;
  const framed = (): ReturnType<typeof frameGrey> => frameGrey(greyImage(width, height, grey));
  const trace = (x: number, y: number, hole: boolean): number[][] => {
    const out = new ContourBuffer();
    expect(followBorder(framed(), x, y, hole, 0, 1000, out)).toBe(true);
    return Array.from({ length: out.length }, (_, i) => [out.xs[i]!, out.ys[i]!]);
  };

  it('traces an outer border from its first pixel', () => {
    expect(trace(1, 1, false)).toEqual([[1, 1], [1, 2], [1, 3], [2, 3], [3, 3], [3, 2], [3, 1], [2, 1]]);
  });

  it('traces a one-pixel hole through the surrounding foreground', () => {
    expect(trace(4, 8, true)).toEqual([[4, 8], [5, 7], [6, 8], [5, 9]]);
  });

  it('frames the image in background so that every pixel has eight neighbours, rows starting on 4-byte boundaries', () => {
    // Stale bytes in a reused buffer must not leak into the frame.
    const framedGrey = frameGrey(greyImage(3, 2, Uint8Array.of(1, 2, 3, 4, 5, 6)), new Uint8Array(40).fill(9));
    expect(framedGrey.stride).toBe(8);
    expect(Array.from(framedGrey.data.subarray(0, 32))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (const w of [1, 3, 4, 5, 8, 157]) {
      expect(framedStride(w) % 4).toBe(0);
      expect(framedStride(w)).toBeGreaterThanOrEqual(w + FRAME_LEFT + 1);
    }
  });

  it('stops once the contour cannot be circular enough', () => {
    expect(followBorder(framed(), 2, 6, false, 0, 10, new ContourBuffer())).toBe(false);
  });
});

describe('contour shape measures', () => {
  const contour = (points: [number, number][]): ContourBuffer => {
    const c = new ContourBuffer();
    for (const [x, y] of points) c.push(x, y);
    return c;
  };
  // The border of a 4 x 3 pixel block, as findContours lists it (pixel centres, unit steps).
  const block = contour([[0, 0], [0, 1], [0, 2], [1, 2], [2, 2], [3, 2], [3, 1], [3, 0], [2, 0], [1, 0]]);

  it('moments of the polygon through the pixel centres', () => {
    const m = contourMoments(block);
    expect(m.m00).toBe(6);
    expect(m.m10 / m.m00).toBeCloseTo(1.5, 12);
    expect(m.m01 / m.m00).toBeCloseTo(1, 12);
    // A 3 x 2 rectangle: mu20 = w^3 h / 12, mu02 = w h^3 / 12.
    expect(m.mu20).toBeCloseTo(4.5, 9);
    expect(m.mu02).toBeCloseTo(2, 9);
    expect(m.mu11).toBeCloseTo(0, 9);
    expect(inertiaRatio(m)).toBeCloseTo(2 / 4.5, 9);
  });

  it('perimeter with float diagonal steps, as arcLength', () => {
    expect(closedArcLength(block)).toBe(10);
    const diamond = contour([[1, 0], [0, 1], [1, 2], [2, 1]]);
    expect(closedArcLength(diamond)).toBe(4 * Math.fround(Math.SQRT2));
  });

  it('convex hull area fills the notch of an L', () => {
    // L: a 3 x 3 block missing its top-right 2 x 2, traced along its pixel centres.
    const l = contour([[0, 0], [0, 1], [0, 2], [1, 2], [2, 2], [1, 1], [1, 0]]);
    expect(contourMoments(l).m00).toBe(2.5);
    expect(convexHullArea(l, new ShapeScratch())).toBe(3);
    expect(convexHullArea(block, new ShapeScratch())).toBe(6);
  });

  it('radius is the median distance from the centre', () => {
    const scratch = new ShapeScratch();
    // Four points at 1.118, two at 1.5 (mid-sides), four corners at 1.803: the middle pair is 1.5.
    expect(medianDistance(block, 1.5, 1, scratch)).toBe(1.5);
    expect(medianDistance(contour([[0, 0], [2, 0], [0, 4]]), 0, 0, scratch)).toBe(2);
  });

  it('radius equals the middle of the sorted distances on long contours with repeated points', () => {
    const scratch = new ShapeScratch();
    let state = 9;
    const random = (n: number): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n;
    for (const n of [1, 2, 17, 18, 100, 1001, 4096]) {
      const points: [number, number][] = Array.from({ length: n }, () => [random(40), random(30)]);
      const cx = 19.25;
      const cy = 14.5;
      const sorted = points.map(([x, y]) => Math.sqrt((cx - x) ** 2 + (cy - y) ** 2)).sort((a, b) => a - b);
      const expected = (sorted[(n - 1) >> 1]! + sorted[n >> 1]!) / 2;
      expect(medianDistance(contour(points), cx, cy, scratch)).toBe(expected);
    }
  });
});
