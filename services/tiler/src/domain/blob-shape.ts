import type { ContourBuffer } from './blob-contour.js';

/**
 * Shape measures of a closed contour (integer points, the last joined to the first), computed
 * as OpenCV's moments / arcLength / convexHull / contourArea compute them, in the same order of
 * floating-point operations where that order changes the result.
 */
export interface ContourMoments {
  m00: number;
  m10: number;
  m01: number;
  mu20: number;
  mu11: number;
  mu02: number;
}

/** float's machine epsilon: below it OpenCV treats the polygon as empty (all moments 0). */
const FLOAT32_EPSILON = 1.1920928955078125e-7;

/** Green's-theorem moments of the polygon; orientation is ignored (a hole contour runs the other way). */
export function contourMoments(contour: ContourBuffer): ContourMoments {
  const { xs, ys, length: n } = contour;
  const moments: ContourMoments = { m00: 0, m10: 0, m01: 0, mu20: 0, mu11: 0, mu02: 0 };
  if (n === 0) return moments;
  let a00 = 0;
  let a10 = 0;
  let a01 = 0;
  let a20 = 0;
  let a11 = 0;
  let a02 = 0;
  let xPrev = xs[n - 1]!;
  let yPrev = ys[n - 1]!;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    const dxy = xPrev * y - x * yPrev;
    const xSum = xPrev + x;
    const ySum = yPrev + y;
    a00 += dxy;
    a10 += dxy * xSum;
    a01 += dxy * ySum;
    a20 += dxy * (xPrev * xSum + x * x);
    a11 += dxy * (xPrev * (ySum + yPrev) + x * (ySum + y));
    a02 += dxy * (yPrev * ySum + y * y);
    xPrev = x;
    yPrev = y;
  }
  if (!(Math.abs(a00) > FLOAT32_EPSILON)) return moments;
  const sign = a00 > 0 ? 1 : -1;
  const m00 = a00 * (sign * 0.5);
  const m10 = a10 * (sign * 0.16666666666666666);
  const m01 = a01 * (sign * 0.16666666666666666);
  const m20 = a20 * (sign * 0.08333333333333333);
  const m11 = a11 * (sign * 0.041666666666666664);
  const m02 = a02 * (sign * 0.08333333333333333);
  const inverse = 1 / m00;
  const cx = m10 * inverse;
  const cy = m01 * inverse;
  moments.m00 = m00;
  moments.m10 = m10;
  moments.m01 = m01;
  moments.mu20 = m20 - m10 * cx;
  moments.mu11 = m11 - m10 * cy;
  moments.mu02 = m02 - m01 * cy;
  return moments;
}

const FLOAT32_SQRT2 = Math.fround(Math.SQRT2);

/**
 * Closed perimeter. OpenCV takes each step's length as a float square root and sums in double;
 * border-following steps are unit or diagonal, but any step is handled.
 */
export function closedArcLength(contour: ContourBuffer): number {
  const { xs, ys, length: n } = contour;
  if (n <= 1) return 0;
  let perimeter = 0;
  let xPrev = xs[n - 1]!;
  let yPrev = ys[n - 1]!;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - xPrev;
    const dy = ys[i]! - yPrev;
    const squared = dx * dx + dy * dy;
    perimeter += squared === 1 ? 1 : squared === 2 ? FLOAT32_SQRT2 : Math.fround(Math.sqrt(squared));
    xPrev = xs[i]!;
    yPrev = ys[i]!;
  }
  return perimeter;
}

/**
 * Second-moment axis ratio (minor / major), 1 for a near-isotropic shape, as in
 * SimpleBlobDetector's inertia filter.
 */
export function inertiaRatio(m: ContourMoments): number {
  const denominator = Math.sqrt(2 * m.mu11 * (2 * m.mu11) + (m.mu20 - m.mu02) * (m.mu20 - m.mu02));
  if (!(denominator > 1e-2)) return 1;
  const cosMin = (m.mu20 - m.mu02) / denominator;
  const sinMin = (2 * m.mu11) / denominator;
  const cosMax = -cosMin;
  const sinMax = -sinMin;
  const iMin = 0.5 * (m.mu20 + m.mu02) - 0.5 * (m.mu20 - m.mu02) * cosMin - m.mu11 * sinMin;
  const iMax = 0.5 * (m.mu20 + m.mu02) - 0.5 * (m.mu20 - m.mu02) * cosMax - m.mu11 * sinMax;
  return iMin / iMax;
}

/** Scratch buffers for convex hulls and radii, grown on demand and kept between contours. */
export class ShapeScratch {
  rowMin = new Int32Array(1024);
  rowMax = new Int32Array(1024);
  /** Hull candidates (at most two per row), then the hull stack (at most twice as many, plus one). */
  candidateU = new Int32Array(2048);
  candidateV = new Int32Array(2048);
  hullU = new Int32Array(4097);
  hullV = new Int32Array(4097);
  distances = new Float64Array(4096);

  ensureRows(rows: number): void {
    if (this.rowMin.length >= rows) return;
    const capacity = rows * 2;
    this.rowMin = new Int32Array(capacity);
    this.rowMax = new Int32Array(capacity);
    this.candidateU = new Int32Array(2 * capacity);
    this.candidateV = new Int32Array(2 * capacity);
    this.hullU = new Int32Array(4 * capacity + 1);
    this.hullV = new Int32Array(4 * capacity + 1);
  }

  ensureDistances(n: number): void {
    if (this.distances.length < n) this.distances = new Float64Array(n * 2);
  }
}

/**
 * Area of the convex hull of the contour points. Only each row's leftmost and rightmost points
 * can be hull vertices, and taking them row by row yields them sorted by (y, x), so Andrew's
 * monotone chain runs in linear time, on (u, v) = (y, x).
 */
export function convexHullArea(contour: ContourBuffer, scratch: ShapeScratch): number {
  const { xs, ys, length: n } = contour;
  if (n < 3) return 0;
  let yMin = ys[0]!;
  let yMax = yMin;
  for (let i = 1; i < n; i++) {
    const y = ys[i]!;
    if (y < yMin) yMin = y;
    else if (y > yMax) yMax = y;
  }
  const rows = yMax - yMin + 1;
  scratch.ensureRows(rows);
  const { rowMin, rowMax, candidateU: cu, candidateV: cv, hullU: hu, hullV: hv } = scratch;
  rowMin.fill(0x7fffffff, 0, rows);
  rowMax.fill(-1, 0, rows);
  for (let i = 0; i < n; i++) {
    const r = ys[i]! - yMin;
    const x = xs[i]!;
    if (x < rowMin[r]!) rowMin[r] = x;
    if (x > rowMax[r]!) rowMax[r] = x;
  }

  // Consecutive contour points are 8-neighbours, so every row from yMin to yMax holds one.
  let m = 0;
  for (let r = 0; r < rows; r++) {
    cu[m] = r;
    cv[m] = rowMin[r]!;
    m++;
    if (rowMax[r] !== rowMin[r]) {
      cu[m] = r;
      cv[m] = rowMax[r]!;
      m++;
    }
  }

  // Lower chain forwards, upper chain backwards, on one stack; collinear points are dropped.
  let k = 0;
  for (let i = 0; i < m; i++) {
    while (k >= 2 && cross(hu[k - 2]!, hv[k - 2]!, hu[k - 1]!, hv[k - 1]!, cu[i]!, cv[i]!) <= 0) k--;
    hu[k] = cu[i]!;
    hv[k] = cv[i]!;
    k++;
  }
  const lowerSize = k + 1;
  for (let i = m - 2; i >= 0; i--) {
    while (k >= lowerSize && cross(hu[k - 2]!, hv[k - 2]!, hu[k - 1]!, hv[k - 1]!, cu[i]!, cv[i]!) <= 0) k--;
    hu[k] = cu[i]!;
    hv[k] = cv[i]!;
    k++;
  }
  // The stack ends on its first point again.
  const vertices = k - 1;
  if (vertices < 3) return 0;
  let twiceArea = 0;
  for (let i = 0; i < vertices; i++) twiceArea += hu[i]! * hv[i + 1]! - hv[i]! * hu[i + 1]!;
  return Math.abs(twiceArea) * 0.5;
}

function cross(ou: number, ov: number, au: number, av: number, bu: number, bv: number): number {
  return (au - ou) * (bv - ov) - (av - ov) * (bu - ou);
}

/**
 * Median distance from (cx, cy) to the contour points: the mean of the two middle ones when even.
 * The middle values are selected in linear time; they are the same numbers a full sort puts there.
 */
export function medianDistance(contour: ContourBuffer, cx: number, cy: number, scratch: ShapeScratch): number {
  const { xs, ys, length: n } = contour;
  scratch.ensureDistances(n);
  const d = scratch.distances;
  for (let i = 0; i < n; i++) {
    const dx = cx - xs[i]!;
    const dy = cy - ys[i]!;
    d[i] = Math.sqrt(dx * dx + dy * dy);
  }
  const lower = (n - 1) >> 1;
  selectNth(d, 0, n - 1, lower);
  if (n % 2 === 1) return d[lower]!;
  // Everything after `lower` is no smaller than it: the upper middle is their minimum.
  let upper = d[lower + 1]!;
  for (let i = lower + 2; i < n; i++) if (d[i]! < upper) upper = d[i]!;
  return (d[lower]! + upper) / 2;
}

/**
 * Rearranges values[from..to] so that values[k] is the value a sort would put there, with no
 * larger value before it and no smaller one after it (Hoare's selection, median-of-three pivots).
 */
function selectNth(values: Float64Array, from: number, to: number, k: number): void {
  let lo = from;
  let hi = to;
  while (hi - lo > 16) {
    const mid = (lo + hi) >> 1;
    // Order lo, mid, hi so that the pivot (mid) is the median of the three and both ends are
    // sentinels for the scans below.
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    const pivot = values[mid]!;
    let i = lo;
    let j = hi;
    for (;;) {
      do i++;
      while (values[i]! < pivot);
      do j--;
      while (values[j]! > pivot);
      if (i >= j) break;
      swap(values, i, j);
    }
    // values[lo..j] <= pivot <= values[j + 1..hi]
    if (k <= j) hi = j;
    else lo = j + 1;
  }
  // Insertion sort finishes a short range.
  for (let i = lo + 1; i <= hi; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= lo && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}
