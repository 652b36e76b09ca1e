import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centreMoleBlobParams, detectBlobs, NO_UPPER_BOUND, wideFieldBlobParams, type BlobDetector, type BlobParams } from '../src/domain/blobs.js';
import { greyImage, type GreyImage } from '../src/domain/image.js';
import { costliestFirst, createBlobDetector } from '../src/parallel/blob-detector.js';
import { drawLesionScene, mulberry32 } from '../src/tools/blob-agreement-scene.js';
import { DEFAULT_IMAGES_DIR } from '../src/tools/blob-agreement.js';

/** Noisy grey with dark and light ellipses, some past the border: many regions at every threshold. */
function randomImage(width: number, height: number, seed: number): GreyImage {
  const random = mulberry32(seed);
  const data = new Uint8Array(width * height);
  const base = 80 + random() * 100;
  for (let i = 0; i < data.length; i++) data[i] = base;
  for (let e = 0; e < 30; e++) {
    const cx = random() * width;
    const cy = random() * height;
    const r = 2 + random() * 25;
    const grey = random() * 255;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) data[y * width + x] = grey;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i]! + Math.floor(random() * 21) - 10));
  return greyImage(width, height, data);
}

async function isicGreys(count: number): Promise<GreyImage[]> {
  const files = readdirSync(DEFAULT_IMAGES_DIR).filter((f) => f.endsWith('.jpg')).sort();
  const picked = Array.from({ length: count }, (_, i) => files[Math.floor((i * files.length) / count)]!);
  return Promise.all(
    picked.map(async (file) => {
      const { data, info } = await sharp(readFileSync(path.join(DEFAULT_IMAGES_DIR, file))).greyscale().raw().toBuffer({ resolveWithObject: true });
      return greyImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.length));
    }),
  );
}

describe('blob detection split between threads', () => {
  let two: BlobDetector;
  let three: BlobDetector;

  beforeAll(async () => {
    [two, three] = await Promise.all([createBlobDetector({ threads: 2 }), createBlobDetector({ threads: 3 })]);
  });

  afterAll(async () => {
    await Promise.all([two.close(), three.close()]);
  });

  it('gives the calling thread\'s blobs, in the same order, on ISIC photos and the drawn scene', async () => {
    const images = existsSync(DEFAULT_IMAGES_DIR) ? await isicGreys(4) : [];
    images.push(drawLesionScene({ width: 1500, height: 1000, lesions: 45, seed: 2017 }).image);
    for (const image of images) {
      const params = wideFieldBlobParams(image.width, image.height);
      const expected = detectBlobs(image, params);
      expect(expected.length).toBeGreaterThan(0);
      expect(await two.detect(image, params)).toEqual(expected);
      expect(await three.detect(image, params)).toEqual(expected);
    }
  });

  it('gives the calling thread\'s blobs on random images of odd sizes under random parameters', async () => {
    const random = mulberry32(7);
    const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
    let blobs = 0;
    for (let k = 0; k < 24; k++) {
      const image = randomImage(1 + Math.floor(random() * 300), 1 + Math.floor(random() * 200), k);
      const params: BlobParams = {
        ...wideFieldBlobParams(image.width, image.height),
        minThreshold: pick([0, 10, -5, 3.5]),
        maxThreshold: pick([255, 220, 300]),
        thresholdStep: pick([10, 5, 7.5, 13.3]),
        minRepeatability: pick([1, 2, 3]),
        blobColor: pick([0, 255] as const),
        minArea: pick([100, 10, 1]),
        maxCircularity: pick([NO_UPPER_BOUND, 0.9]),
      };
      const expected = detectBlobs(image, params);
      blobs += expected.length;
      const label = `image ${k} ${image.width}x${image.height} ${JSON.stringify(params)}`;
      expect(await two.detect(image, params), label).toEqual(expected);
      expect(await three.detect(image, params), label).toEqual(expected);
    }
    expect(blobs).toBeGreaterThan(50);
  });

  it('keeps concurrent detections through one detector apart', async () => {
    const images = [randomImage(640, 480, 1), randomImage(333, 517, 2), randomImage(800, 600, 3), randomImage(17, 3, 4)];
    const params = images.map((image, i) => (i === 1 ? centreMoleBlobParams(300) : wideFieldBlobParams(image.width, image.height)));
    const expected = images.map((image, i) => detectBlobs(image, params[i]!));
    // All started before any ends: they share the detector's memory and workers in turn.
    const results = await Promise.all(images.map((image, i) => two.detect(image, params[i]!)));
    expect(results).toEqual(expected);
    expect(expected[0]!.length).toBeGreaterThan(0);
  });

  it('rejects bad input as the calling thread does, and goes on working', async () => {
    const image = randomImage(50, 40, 9);
    await expect(two.detect(image, { ...wideFieldBlobParams(50, 40), thresholdStep: 0 })).rejects.toThrow(/thresholdStep/);
    await expect(two.detect(greyImage(0, 0), wideFieldBlobParams(1, 1))).rejects.toThrow(/non-empty/);
    expect(await two.detect(image, wideFieldBlobParams(50, 40))).toEqual(detectBlobs(image, wideFieldBlobParams(50, 40)));
  });
});

describe('createBlobDetector', () => {
  it('runs one thread without a worker', async () => {
    const detector = await createBlobDetector({ threads: 1 });
    const image = randomImage(120, 90, 3);
    expect(detector.threads).toBe(1);
    expect(await detector.detect(image, wideFieldBlobParams(120, 90))).toEqual(detectBlobs(image, wideFieldBlobParams(120, 90)));
    await detector.close();
    await expect(detector.detect(image, wideFieldBlobParams(120, 90))).rejects.toThrow(/closed/);
  });

  it('refuses thread counts it cannot run', async () => {
    await expect(createBlobDetector({ threads: 0 })).rejects.toThrow(RangeError);
    await expect(createBlobDetector({ threads: 1.5 })).rejects.toThrow(RangeError);
  });

  it.skipIf(!existsSync('/proc/self/task'))('ends its worker threads on close, after the detections in progress', async () => {
    const threadCount = (): number => readdirSync('/proc/self/task').length;
    const before = threadCount();
    const detector = await createBlobDetector({ threads: 3 });
    expect(threadCount()).toBeGreaterThanOrEqual(before + 2);
    const started = threadCount();
    const image = randomImage(400, 300, 5);
    const pending = detector.detect(image, wideFieldBlobParams(400, 300));
    await detector.close();
    expect(await pending).toEqual(detectBlobs(image, wideFieldBlobParams(400, 300)));
    expect(threadCount()).toBe(started - 2);
    await expect(detector.detect(image, wideFieldBlobParams(400, 300))).rejects.toThrow(/closed/);
  });
});

describe('costliestFirst', () => {
  it('orders cuts by run count, most first, ties by index', () => {
    // Runs per cut (crossings + height 10): 10, 100, 500, 200, 100, 300.
    const crossings = Int32Array.of(0, 90, 490, 190, 90, 290);
    expect(costliestFirst([0, 1, 2, 3, 4, 5], crossings, 10)).toEqual([2, 5, 3, 1, 4, 0]);
    expect(costliestFirst([4, 1], crossings, 10)).toEqual([1, 4]);
  });
});
