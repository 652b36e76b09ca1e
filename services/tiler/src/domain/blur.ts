import type { GreyImage } from './image.js';
import { rowWords } from './pixel-words.js';

export interface BlurVerdict {
  /** Variance of the Laplacian (population variance, grey levels squared). */
  readonly score: number;
  /** floor(sqrt(H * W) / 1000): 3 for a 12-megapixel photo, 0 below one megapixel. */
  readonly threshold: number;
  /** True when score < threshold: the photo is too blurred to analyse. */
  readonly blurred: boolean;
}

/** OpenCV's BORDER_REFLECT_101 for an index at most one step outside [0, length). */
function reflect101(i: number, length: number): number {
  if (length === 1) return 0;
  return i < 0 ? -i : i >= length ? 2 * length - 2 - i : i;
}

/**
 * var(cv2.Laplacian(grey, cv2.CV_64F)) with the default ksize 1: the kernel
 * [0 1 0; 1 -4 1; 0 1 0] and BORDER_REFLECT_101. Every Laplacian value is an integer in
 * [-1020, 1020], so the sums are exact in doubles up to ~8e9 pixels, in any order.
 */
export function laplacianVariance(grey: GreyImage): number {
  const { width: w, height: h } = grey;
  const n = w * h;
  if (n === 0) return 0;
  const words = w >= 4 ? rowWords(grey.data, w) : null;
  const { sum, sumSq } = words === null ? laplacianSums(grey) : laplacianSumsByWords(words, w, h);
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}

interface Sums {
  sum: number;
  sumSq: number;
}

function laplacianSums(grey: GreyImage): Sums {
  const { width: w, height: h, data } = grey;
  let sum = 0;
  let sumSq = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = reflect101(y - 1, h) * w;
    const down = reflect101(y + 1, h) * w;
    // Row sums stay small integers, so the hot loop works on small integers only.
    let rowSum = 0;
    let rowSq = 0;
    if (w === 1) {
      const v = data[up] + data[down] - 2 * data[row];
      rowSum += v;
      rowSq += v * v;
    } else {
      let v = data[up] + data[down] + 2 * data[row + 1] - 4 * data[row];
      rowSum += v;
      rowSq += v * v;
      for (let x = 1; x < w - 1; x++) {
        const i = row + x;
        v = data[up + x] + data[down + x] + data[i - 1] + data[i + 1] - 4 * data[i];
        rowSum += v;
        rowSq += v * v;
      }
      const last = row + w - 1;
      v = data[up + w - 1] + data[down + w - 1] + 2 * data[last - 1] - 4 * data[last];
      rowSum += v;
      rowSq += v * v;
    }
    sum += rowSum;
    sumSq += rowSq;
  }
  return { sum, sumSq };
}

/**
 * laplacianSums four pixels per step, for rows that start on word boundaries and hold at least
 * one word (pixel-words.ts): the row above, the row and the row below as one load each.
 */
function laplacianSumsByWords(words: Uint32Array, w: number, h: number): Sums {
  const perRow = w >> 2;
  let sum = 0;
  let sumSq = 0;
  for (let y = 0; y < h; y++) {
    const row = y * perRow;
    const up = reflect101(y - 1, h) * perRow;
    const down = reflect101(y + 1, h) * perRow;
    let rowSum = 0;
    let rowSq = 0;
    let mid = words[row];
    // Reflected: left of pixel 0 is pixel 1, right of pixel w - 1 is pixel w - 2.
    let left = (mid >>> 8) & 255;
    for (let k = 0; k < perRow; k++) {
      const last = k === perRow - 1;
      const next = last ? 0 : words[row + k + 1];
      const above = words[up + k];
      const below = words[down + k];
      const m0 = mid & 255;
      const m1 = (mid >>> 8) & 255;
      const m2 = (mid >>> 16) & 255;
      const m3 = mid >>> 24;
      const right = last ? m2 : next & 255;
      const v0 = (above & 255) + (below & 255) + left + m1 - 4 * m0;
      const v1 = ((above >>> 8) & 255) + ((below >>> 8) & 255) + m0 + m2 - 4 * m1;
      const v2 = ((above >>> 16) & 255) + ((below >>> 16) & 255) + m1 + m3 - 4 * m2;
      const v3 = (above >>> 24) + (below >>> 24) + m2 + right - 4 * m3;
      rowSum += v0 + v1 + v2 + v3;
      rowSq += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
      left = m3;
      mid = next;
    }
    sum += rowSum;
    sumSq += rowSq;
  }
  return { sum, sumSq };
}

export function blurThreshold(width: number, height: number): number {
  return Math.floor(Math.sqrt(width * height) / 1000);
}

/** Step 0 of the pipeline: reject the photo when its Laplacian variance is below the threshold. */
export function blurGate(grey: GreyImage): BlurVerdict {
  const score = laplacianVariance(grey);
  const threshold = blurThreshold(grey.width, grey.height);
  return { score, threshold, blurred: score < threshold };
}
