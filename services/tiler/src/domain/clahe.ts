import { lineRange, wholeImage, type Box } from './box.js';
import { roundHalfEven } from './colour-space.js';
import { greyImage, type GreyImage } from './image.js';

/*
 * Contrast-limited adaptive histogram equalisation with the semantics of OpenCV 4.x's
 * cv::CLAHE::apply on 8-bit images, so that results match the research code's cv2 calls:
 * - the image is padded at the bottom and right with BORDER_REFLECT_101 to a multiple of the
 *   tile grid when it is not one already; OpenCV then pads BOTH axes by (tiles - size % tiles),
 *   a full extra tile row or column on an axis that was already a multiple. That is kept here.
 * - per tile: histogram, clip at max(floor(clipLimit * tileArea / 256), 1), clipped counts spread
 *   evenly plus a residual one count every 256 / residual bins, cumulative LUT scaled by
 *   255 / tileArea in 32-bit float and rounded half to even.
 * - each pixel of the unpadded image: bilinear blend of the four nearest tiles' LUTs with
 *   OpenCV's 32-bit float weights; rounding matches OpenCV's float32 arithmetic (replayed
 *   exactly where a value is near a rounding tie).
 * Checked bit for bit against cv2 4.6 in the tests.
 */

const BINS = 256;

/** BORDER_REFLECT_101 for any index (OpenCV's borderInterpolate). */
function reflect101(i: number, length: number): number {
  if (length === 1) return 0;
  let p = i;
  while (p < 0 || p >= length) p = p < 0 ? -p : 2 * length - 2 - p;
  return p;
}

/**
 * Tile histograms over the image padded to paddedWidth x paddedHeight with BORDER_REFLECT_101,
 * reading the padding through reflected indices instead of building the padded copy.
 */
function tileHistograms(src: GreyImage, paddedWidth: number, paddedHeight: number, tileWidth: number, tileHeight: number, tilesX: number): Int32Array {
  const { width, height, data } = src;
  const tilesY = paddedHeight / tileHeight;
  const hist = new Int32Array(tilesX * tilesY * BINS);
  for (let y = 0; y < paddedHeight; y++) {
    const row = (y < height ? y : reflect101(y, height)) * width;
    const tileRow = Math.floor(y / tileHeight) * tilesX;
    for (let tx = 0; tx < tilesX; tx++) {
      const base = (tileRow + tx) * BINS;
      const end = row + Math.min((tx + 1) * tileWidth, width);
      for (let i = row + tx * tileWidth; i < end; i++) hist[base + data[i]]++;
    }
    for (let x = width; x < paddedWidth; x++) hist[(tileRow + Math.floor(x / tileWidth)) * BINS + data[row + reflect101(x, width)]]++;
  }
  return hist;
}

/** One 256-entry LUT per tile, row-major over the tile grid, from the tile histograms. */
function tileLuts(hist: Int32Array, tileArea: number, tiles: number, clipLimit: number): Uint8Array {
  const limit = clipLimit > 0 ? Math.max(Math.trunc((clipLimit * tileArea) / BINS), 1) : 0;
  const lutScale = Math.fround((BINS - 1) / tileArea);
  const luts = new Uint8Array(tiles * BINS);
  for (let t = 0; t < tiles; t++) {
    const base = t * BINS;
    if (limit > 0) {
      let clipped = 0;
      for (let i = base; i < base + BINS; i++) {
        if (hist[i] > limit) {
          clipped += hist[i] - limit;
          hist[i] = limit;
        }
      }
      const batch = Math.trunc(clipped / BINS);
      let residual = clipped - batch * BINS;
      for (let i = base; i < base + BINS; i++) hist[i] += batch;
      if (residual !== 0) {
        const step = Math.max(Math.trunc(BINS / residual), 1);
        for (let i = 0; i < BINS && residual > 0; i += step, residual--) hist[base + i]++;
      }
    }
    let sum = 0;
    for (let i = 0; i < BINS; i++) {
      sum += hist[base + i];
      const v = roundHalfEven(Math.fround(sum * lutScale));
      luts[base + i] = v > 255 ? 255 : v;
    }
  }
  return luts;
}

/** One axis of the bilinear blend: first and second tile per pixel and their weights. */
interface AxisWeights {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly weight: Float32Array;
  readonly weightFirst: Float32Array;
}

function axisWeights(length: number, tileSize: number, tiles: number): AxisWeights {
  const f = Math.fround;
  const inverse = f(1 / tileSize);
  const first = new Int32Array(length);
  const second = new Int32Array(length);
  const weight = new Float32Array(length);
  const weightFirst = new Float32Array(length);
  for (let p = 0; p < length; p++) {
    const position = f(f(p * inverse) - 0.5);
    const t1 = Math.floor(position);
    weight[p] = f(position - t1);
    weightFirst[p] = f(1 - weight[p]);
    first[p] = Math.max(t1, 0);
    second[p] = Math.min(t1 + 1, tiles - 1);
  }
  return { first, second, weight, weightFirst };
}

/** The per-tile LUTs of one image and the blend weights of its rows and columns. */
export interface ClaheModel {
  readonly width: number;
  readonly height: number;
  readonly tilesX: number;
  readonly tilesY: number;
  readonly luts: Uint8Array;
  readonly columns: AxisWeights;
  readonly rows: AxisWeights;
}

/** Tile histograms and LUTs of cv2.createCLAHE(clipLimit, (tilesX, tilesY)) for src. */
export function claheModel(src: GreyImage, clipLimit: number, tilesX: number, tilesY: number): ClaheModel {
  const { width, height } = src;
  if (width === 0 || height === 0) throw new RangeError(`CLAHE needs a non-empty image, got ${width}x${height}`);
  if (!Number.isInteger(tilesX) || !Number.isInteger(tilesY) || tilesX < 1 || tilesY < 1) {
    throw new RangeError(`CLAHE tile grid must be positive integers, got ${tilesX} x ${tilesY}`);
  }
  const needsPadding = width % tilesX !== 0 || height % tilesY !== 0;
  const paddedWidth = needsPadding ? width + tilesX - (width % tilesX) : width;
  const paddedHeight = needsPadding ? height + tilesY - (height % tilesY) : height;
  const tileWidth = paddedWidth / tilesX;
  const tileHeight = paddedHeight / tilesY;
  const hist = tileHistograms(src, paddedWidth, paddedHeight, tileWidth, tileHeight, tilesX);
  return {
    width,
    height,
    tilesX,
    tilesY,
    luts: tileLuts(hist, tileWidth * tileHeight, tilesX * tilesY, clipLimit),
    columns: axisWeights(width, tileWidth, tilesX),
    rows: axisWeights(height, tileHeight, tilesY),
  };
}

/**
 * The equalised values of src (the image the model was built from) at every crossing of the
 * given columns and rows, row-major: columns.length x rows.length values.
 */
export function claheSamples(model: ClaheModel, src: GreyImage, columns: Int32Array, rows: Int32Array): Uint8Array<ArrayBuffer> {
  const { tilesX, luts } = model;
  const { first: xFirst, second: xSecond, weight: xa, weightFirst: xa1 } = model.columns;
  const { first: yFirst, second: ySecond, weight: yWeight, weightFirst: yWeightFirst } = model.rows;
  const out = new Uint8Array(columns.length * rows.length);
  const data = src.data;
  const f = Math.fround;
  let o = 0;
  for (let j = 0; j < rows.length; j++) {
    const y = rows[j];
    const lut1 = yFirst[y] * tilesX * BINS;
    const lut2 = ySecond[y] * tilesX * BINS;
    const ya = yWeight[y];
    const ya1 = yWeightFirst[y];
    const row = y * src.width;
    for (let i = 0; i < columns.length; i++, o++) {
      const x = columns[i];
      const v = data[row + x];
      const i1 = xFirst[x] * BINS + v;
      const i2 = xSecond[x] * BINS + v;
      const wa = xa[x];
      const wa1 = xa1[x];
      const l11 = luts[lut1 + i1];
      const l12 = luts[lut1 + i2];
      const l21 = luts[lut2 + i1];
      const l22 = luts[lut2 + i2];
      // Doubles first: they differ from OpenCV's float32 result by far less than 1e-3, so only
      // a value that close to a rounding tie needs the exact float32 replay.
      let res = (l11 * wa1 + l12 * wa) * ya1 + (l21 * wa1 + l22 * wa) * ya;
      let r = Math.round(res);
      const tie = r - res;
      if (tie > 0.499 || tie < -0.499) {
        res = f(f(f(f(l11 * wa1) + f(l12 * wa)) * ya1) + f(f(f(l21 * wa1) + f(l22 * wa)) * ya));
        r = Math.round(res);
        // saturate_cast<uchar>(float) rounds half to even.
        if (r - res === 0.5 && (r & 1) === 1) r--;
      }
      out[o] = r;
    }
  }
  return out;
}

/** The equalised values of src inside box, row-major, box-sized. */
export function claheRegion(model: ClaheModel, src: GreyImage, box: Box): Uint8Array<ArrayBuffer> {
  return claheSamples(model, src, lineRange(box.x0, box.x1), lineRange(box.y0, box.y1));
}

/**
 * cv2.createCLAHE(clipLimit, (tilesX, tilesY)).apply(grey). A clip limit <= 0 means no clipping
 * (plain adaptive equalisation), as in OpenCV.
 */
export function clahe(src: GreyImage, clipLimit: number, tilesX: number, tilesY: number): GreyImage {
  if (src.width === 0 || src.height === 0) return greyImage(src.width, src.height, new Uint8Array(0));
  const model = claheModel(src, clipLimit, tilesX, tilesY);
  return greyImage(src.width, src.height, claheRegion(model, src, wholeImage(src)));
}
