import { beforeAll, describe, expect, it } from 'vitest';
import { detectBlobs, NO_UPPER_BOUND, wideFieldBlobParams, type BlobParams } from '../src/domain/blobs.js';
import { greyImage, type GreyImage } from '../src/domain/image.js';
import { blobAgreement, formatAgreement, openCvAvailability, openCvKeypoints, type BlobAgreementReport } from '../src/tools/blob-agreement.js';
import { mulberry32 } from '../src/tools/blob-agreement-scene.js';

/**
 * Agreement with OpenCV's SimpleBlobDetector (Debian python3-opencv at /usr/bin/python3) on
 * real ISIC photos and a drawn multi-lesion scene, fed the identical grey bytes. Without OpenCV
 * this fails on purpose: the comparison is a requirement, not an optional extra.
 */
describe('blob detection agrees with OpenCV SimpleBlobDetector', () => {
  let report: BlobAgreementReport;

  beforeAll(async () => {
    const openCv = await openCvAvailability();
    if (!openCv.ok) throw new Error(`OpenCV reference unavailable, cannot check blob agreement: ${openCv.reason}`);
    report = await blobAgreement({ images: 6, scene: { width: 1500, height: 1000, lesions: 45, seed: 2017 } });
  }, 60_000);

  it('matches at least 90 % of OpenCV keypoints overall, and we add few of our own', () => {
    expect(report.images).toHaveLength(7);
    const { total } = report;
    expect(total.opencv, formatAgreement(report)).toBeGreaterThan(0);
    expect(total.recall, formatAgreement(report)).toBeGreaterThanOrEqual(0.9);
    expect(total.precision, formatAgreement(report)).toBeGreaterThanOrEqual(0.9);
  });

  it('times the detector the tiler ships, whose blobs equal the calling thread\'s', () => {
    for (const image of report.images) {
      expect(image.oursThreads).toBeGreaterThan(1);
      expect(image.threadsAgree, image.name).toBe(true);
      expect(image.oursSingleThreadMilliseconds).toBeGreaterThan(0);
    }
  });

  it('matches at least 90 % on the drawn multi-lesion scene', () => {
    const scene = report.images.find((image) => image.name.startsWith('scene'));
    expect(scene).toBeDefined();
    // The scene has 45 lesions, some merged by overlap and some cut by the border.
    expect(scene!.opencv).toBeGreaterThanOrEqual(30);
    expect(scene!.recall, formatAgreement(report)).toBeGreaterThanOrEqual(0.9);
    expect(scene!.precision, formatAgreement(report)).toBeGreaterThanOrEqual(0.9);
  });
});

/**
 * Exact equality, keypoint order included, on small random scenes under random parameters:
 * every filter, both colours, fractional and out-of-range thresholds, blobs cut by the border.
 */
describe('blob detection equals OpenCV SimpleBlobDetector exactly', () => {
  it('on 60 random scenes and parameter sets', async () => {
    const openCv = await openCvAvailability();
    if (!openCv.ok) throw new Error(`OpenCV reference unavailable, cannot check blob agreement: ${openCv.reason}`);
    const random = mulberry32(46);
    const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)]!;
    const inputs = Array.from({ length: 60 }, () => {
      const grey = randomScene(random);
      const params: BlobParams = {
        ...wideFieldBlobParams(grey.width, grey.height),
        minThreshold: pick([0, 0, 10, -5, 3.5]),
        maxThreshold: pick([255, 255, 220, 300]),
        thresholdStep: pick([10, 10, 5, 7.5, 13.3]),
        minRepeatability: pick([1, 2, 2, 3]),
        minDistBetweenBlobs: pick([10, 0, 5, 20]),
        blobColor: pick([0, 0, 255] as const),
        minArea: pick([100, 10, 25, 1]),
        maxArea: pick([grey.width * grey.height, 5000, 1500]),
        minCircularity: pick([0.1, 0, 0.5, 0.8]),
        maxCircularity: pick([NO_UPPER_BOUND, NO_UPPER_BOUND, 0.9]),
        minConvexity: pick([0.1, 0, 0.87]),
        maxConvexity: pick([NO_UPPER_BOUND, NO_UPPER_BOUND, 0.99]),
        minInertiaRatio: pick([0.1, 0, 0.3]),
        maxInertiaRatio: pick([NO_UPPER_BOUND, NO_UPPER_BOUND, 0.8]),
      };
      return { grey, params };
    });
    const expected = await openCvKeypoints(inputs);
    const key = (x: number, y: number, size: number): string => `${x.toFixed(3)},${y.toFixed(3)},${size.toFixed(3)}`;
    let keypoints = 0;
    inputs.forEach(({ grey, params }, i) => {
      const ours = detectBlobs(grey, params).map((b) => key(b.x, b.y, b.diameter));
      const theirs = expected[i]!.map((k) => key(k.x, k.y, k.size));
      expect(ours, `scene ${i} ${grey.width}x${grey.height} ${JSON.stringify(params)}`).toEqual(theirs);
      keypoints += theirs.length;
    });
    expect(keypoints).toBeGreaterThan(100);
  }, 30_000);
});

/** A flat random grey with 0-24 random ellipses (some past the border), maybe blurred, plus noise. */
function randomScene(random: () => number): GreyImage {
  const width = 20 + Math.floor(random() * 180);
  const height = 20 + Math.floor(random() * 180);
  const plane = new Float32Array(width * height).fill(60 + random() * 170);
  const ellipses = Math.floor(random() * 25);
  for (let e = 0; e < ellipses; e++) {
    const cx = random() * (width + 20) - 10;
    const cy = random() * (height + 20) - 10;
    const rx = 1 + random() * 20;
    const ry = 1 + random() * 20;
    const angle = random() * Math.PI;
    const grey = random() * 255;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = ((x - cx) * cos + (y - cy) * sin) / rx;
        const v = (-(x - cx) * sin + (y - cy) * cos) / ry;
        if (u * u + v * v <= 1) plane[y * width + x] = grey;
      }
    }
  }
  if (random() < 0.5) boxBlur(plane, width, height);
  const noise = random() * 8;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.max(0, Math.min(255, Math.round(plane[i]! + (random() + random() + random() - 1.5) * noise)));
  }
  return greyImage(width, height, data);
}

/** 3 x 3 mean, edges clamped: soft rims give contours of every shape. */
function boxBlur(plane: Float32Array, width: number, height: number): void {
  const source = plane.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const sx = Math.min(width - 1, Math.max(0, x + dx));
          const sy = Math.min(height - 1, Math.max(0, y + dy));
          sum += source[sy * width + sx]!;
        }
      }
      plane[y * width + x] = sum / 9;
    }
  }
}
