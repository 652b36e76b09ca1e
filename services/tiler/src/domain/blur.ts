import type { GreyImage } from './image.js';

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
 * [-1020, 1020], so the sums are exact in doubles up to ~8e9 pixels.
 */
export function laplacianVariance(grey: GreyImage): number {
  const { width: w, height: h, data } = grey;
  const n = w * h;
  if (n === 0) return 0;
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
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
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
