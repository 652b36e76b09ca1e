import { lineRange, type Box } from './box.js';
import { roundHalfEven } from './colour-space.js';
import type { RasterImage } from './image.js';

/*
 * Bilinear resampling of an 8-bit region with the arithmetic of cv2.resize(..., INTER_LINEAR)
 * in OpenCV 4.x, so that crops match the research's preprocessing:
 * - half-pixel centres: source position (d + 0.5) * scale - 0.5, in 32-bit float;
 * - horizontal weights on 11 fraction bits; columns left of the first or right of the last
 *   source pixel take that pixel alone;
 * - vertical weights on 11 fraction bits, rows clamped to the region (weights kept), and the
 *   rounding of OpenCV's SIMD vertical pass: ((a >> 4) * wa >> 16) + ((b >> 4) * wb >> 16),
 *   then + 2 >> 2;
 * - OpenCV's shortcuts: the same size copies, and an exact 2x reduction on both axes averages
 *   2 x 2 blocks (INTER_AREA), as cv2 does.
 */

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** Per output line: the two source lines it blends (relative to the region) and their weights. */
interface Taps {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

/**
 * Horizontal taps move a position outside the source onto its edge pixel with full weight;
 * vertical taps keep the weights and clamp the row indices (both as OpenCV does, and the two
 * differ in rounding, so the distinction matters for exactness).
 */
function sourceTaps(sourceLength: number, targetLength: number, clampWeights: boolean): Taps {
  const scale = 1 / (targetLength / sourceLength);
  const first = new Int32Array(targetLength);
  const second = new Int32Array(targetLength);
  const w0 = new Int32Array(targetLength);
  const w1 = new Int32Array(targetLength);
  const last = sourceLength - 1;
  for (let d = 0; d < targetLength; d++) {
    let position = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(position);
    position = Math.fround(position - s);
    if (clampWeights) {
      if (s < 0) {
        position = 0;
        s = 0;
      }
      if (s >= last) {
        position = 0;
        s = last;
      }
    }
    first[d] = s < 0 ? 0 : s > last ? last : s;
    second[d] = s + 1 < 0 ? 0 : s + 1 > last ? last : s + 1;
    w0[d] = roundHalfEven(Math.fround(1 - position) * COEF_SCALE);
    w1[d] = roundHalfEven(position * COEF_SCALE);
  }
  return { first, second, w0, w1 };
}

function copyRegion(src: RasterImage, box: Box, out: Uint8Array, at: number): void {
  const cn = src.channels;
  const rowBytes = (box.x1 - box.x0) * cn;
  for (let y = box.y0; y < box.y1; y++) {
    const from = (y * src.width + box.x0) * cn;
    out.set(src.data.subarray(from, from + rowBytes), at + (y - box.y0) * rowBytes);
  }
}

function halveRegion(src: RasterImage, box: Box, size: number, out: Uint8Array, at: number): void {
  const cn = src.channels;
  const data = src.data;
  const stride = src.width * cn;
  for (let dy = 0; dy < size; dy++) {
    const top = (box.y0 + 2 * dy) * stride + box.x0 * cn;
    const bottom = top + stride;
    let o = at + dy * size * cn;
    for (let dx = 0; dx < size; dx++) {
      for (let c = 0; c < cn; c++, o++) {
        const i = 2 * dx * cn + c;
        out[o] = (data[top + i] + data[top + i + cn] + data[bottom + i] + data[bottom + i + cn] + 2) >> 2;
      }
    }
  }
}

/**
 * One source row blended horizontally: target[k] for output byte k, shifted right by 4 as
 * OpenCV's vertical pass packs it (at most 255 * 2048 >> 4 = 32640, so it never saturates).
 * left/right hold each output pixel's two source byte offsets, a0/a1 their weights.
 */
function horizontalPass(data: Uint8Array, base: number, cn: number, left: Int32Array, right: Int32Array, a0: Int32Array, a1: Int32Array, target: Int32Array): void {
  const pixels = left.length;
  if (cn === 3) {
    for (let d = 0, k = 0; d < pixels; d++, k += 3) {
      const l = base + left[d];
      const r = base + right[d];
      const w0 = a0[d];
      const w1 = a1[d];
      target[k] = (data[l] * w0 + data[r] * w1) >> 4;
      target[k + 1] = (data[l + 1] * w0 + data[r + 1] * w1) >> 4;
      target[k + 2] = (data[l + 2] * w0 + data[r + 2] * w1) >> 4;
    }
    return;
  }
  for (let d = 0, k = 0; d < pixels; d++) {
    for (let c = 0; c < cn; c++, k++) target[k] = (data[base + left[d] + c] * a0[d] + data[base + right[d] + c] * a1[d]) >> 4;
  }
}

/**
 * The separable fixed-point blend. columnByte[c] and rowByte[r] give where relative column c
 * and row r of the region start in data, so the same code reads a region of a photo or a
 * compact grid of sampled pixels.
 */
function bilinearInto(
  data: Uint8Array,
  cn: number,
  xs: Taps,
  ys: Taps,
  columnByte: Int32Array,
  rowByte: Int32Array,
  size: number,
  out: Uint8Array,
  at: number,
): void {
  const rowLength = size * cn;
  const left = new Int32Array(size);
  const right = new Int32Array(size);
  for (let dx = 0; dx < size; dx++) {
    left[dx] = columnByte[xs.first[dx]];
    right[dx] = columnByte[xs.second[dx]];
  }
  const a0 = xs.w0;
  const a1 = xs.w1;
  // Horizontal results of the two source rows in use.
  let rowA = new Int32Array(rowLength);
  let rowB = new Int32Array(rowLength);
  let rowAIndex = -1;
  let rowBIndex = -1;
  for (let dy = 0; dy < size; dy++) {
    const r0 = ys.first[dy];
    const r1 = ys.second[dy];
    if (rowAIndex !== r0) {
      if (rowBIndex === r0) {
        const swap = rowA;
        rowA = rowB;
        rowB = swap;
        rowBIndex = -1;
      } else {
        horizontalPass(data, rowByte[r0], cn, left, right, a0, a1, rowA);
      }
      rowAIndex = r0;
    }
    if (rowBIndex !== r1) {
      horizontalPass(data, rowByte[r1], cn, left, right, a0, a1, rowB);
      rowBIndex = r1;
    }
    const b0 = ys.w0[dy];
    const b1 = ys.w1[dy];
    const o = at + dy * rowLength;
    // Both terms are >= 0 and sum to at most 1020, so the result is already in 0..255.
    for (let k = 0; k < rowLength; k++) out[o + k] = (((rowA[k] * b0) >> 16) + ((rowB[k] * b1) >> 16) + 2) >> 2;
  }
}

function validRegion(width: number, height: number, box: Box): boolean {
  return box.x1 > box.x0 && box.y1 > box.y0 && box.x0 >= 0 && box.y0 >= 0 && box.x1 <= width && box.y1 <= height;
}

/** True when cv2.resize would copy or average 2 x 2 blocks: every pixel of the region is read. */
function readsWholeRegion(box: Box, size: number): boolean {
  const sw = box.x1 - box.x0;
  const sh = box.y1 - box.y0;
  return (sw === size && sh === size) || (sw === 2 * size && sh === 2 * size);
}

/**
 * Resamples src's box (non-empty, inside the image) to size x size pixels and writes them at
 * out[at..], row-major with src's interleaved channels.
 */
export function resizeRegionInto(src: RasterImage, box: Box, size: number, out: Uint8Array, at: number): void {
  if (!validRegion(src.width, src.height, box)) {
    throw new RangeError(`region [${box.x0},${box.x1})x[${box.y0},${box.y1}) is empty or outside ${src.width}x${src.height}`);
  }
  const cn = src.channels;
  const sw = box.x1 - box.x0;
  const sh = box.y1 - box.y0;
  if (sw === size && sh === size) return copyRegion(src, box, out, at);
  if (sw === 2 * size && sh === 2 * size) return halveRegion(src, box, size, out, at);
  const columnByte = Int32Array.from({ length: sw }, (_, c) => (box.x0 + c) * cn);
  const rowByte = Int32Array.from({ length: sh }, (_, r) => (box.y0 + r) * src.width * cn);
  bilinearInto(src.data, cn, sourceTaps(sw, size, true), sourceTaps(sh, size, false), columnByte, rowByte, size, out, at);
}

/** Pixels computed on demand at the crossings of some columns and rows. */
export interface SampledSource {
  readonly width: number;
  readonly height: number;
  /** The pixels at every (columns[i], rows[j]), as a columns.length x rows.length image. */
  sample(columns: Int32Array, rows: Int32Array): RasterImage;
}

/** The sorted distinct lines of a tap set, in absolute coordinates. */
function usedLines(taps: Taps, origin: number, length: number): Int32Array {
  const used = new Uint8Array(length);
  for (let i = 0; i < taps.first.length; i++) {
    used[taps.first[i]] = 1;
    used[taps.second[i]] = 1;
  }
  const lines: number[] = [];
  for (let i = 0; i < length; i++) if (used[i]) lines.push(origin + i);
  return Int32Array.from(lines);
}

/** How many source pixels resizing box to size x size reads (at most (2 size)^2). */
export function resizeFootprint(box: Box, size: number): number {
  if (readsWholeRegion(box, size)) return (box.x1 - box.x0) * (box.y1 - box.y0);
  const sw = box.x1 - box.x0;
  const sh = box.y1 - box.y0;
  return usedLines(sourceTaps(sw, size, true), 0, sw).length * usedLines(sourceTaps(sh, size, false), 0, sh).length;
}

/**
 * resizeRegionInto for pixels that are expensive to produce: only the pixels the resize reads
 * are requested from the source (for a large region, 2 size columns x 2 size rows at most).
 */
export function resizeSampledInto(source: SampledSource, box: Box, size: number, out: Uint8Array, at: number): void {
  if (!validRegion(source.width, source.height, box)) {
    throw new RangeError(`region [${box.x0},${box.x1})x[${box.y0},${box.y1}) is empty or outside ${source.width}x${source.height}`);
  }
  if (readsWholeRegion(box, size)) {
    const region = source.sample(lineRange(box.x0, box.x1), lineRange(box.y0, box.y1));
    return resizeRegionInto(region, { x0: 0, y0: 0, x1: region.width, y1: region.height }, size, out, at);
  }
  const sw = box.x1 - box.x0;
  const sh = box.y1 - box.y0;
  const xs = sourceTaps(sw, size, true);
  const ys = sourceTaps(sh, size, false);
  const columns = usedLines(xs, box.x0, sw);
  const rows = usedLines(ys, box.y0, sh);
  const grid = source.sample(columns, rows);
  const cn = grid.channels;
  // Map region-relative lines to their place in the compact grid; unused lines stay 0.
  const columnByte = new Int32Array(sw);
  columns.forEach((x, i) => (columnByte[x - box.x0] = i * cn));
  const rowByte = new Int32Array(sh);
  rows.forEach((y, j) => (rowByte[y - box.y0] = j * grid.width * cn));
  bilinearInto(grid.data, cn, xs, ys, columnByte, rowByte, size, out, at);
}
