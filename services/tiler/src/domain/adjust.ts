import { lineRange, wholeImage, type Box } from './box.js';
import { claheModel, claheSamples } from './clahe.js';
import { greyImage, rgbImage, type RgbImage } from './image.js';
import { lightnessPlane, replaceLightness } from './lab.js';

export type Adjustment = 'none' | 'stretch_and_clahe' | 'clahe';

export interface AdjustedImage {
  readonly image: RgbImage;
  readonly adjustment: Adjustment;
}

/** Skin fractions that bound the research's three adjustment regimes. */
const MOSTLY_SKIN = 0.8;
const SOME_BACKGROUND = 0.75;
/** CLAHE clip limits of the two regimes that equalise. */
const CLIP_AFTER_STRETCH = 1.0;
const CLIP_ALONE = 0.25;
/** Share of each tail that the percentile stretch saturates. */
const STRETCH_PERCENT = 1;

/** Step 2's rule: which adjustment a photo gets from the share of skin pixels in it. */
export function chooseAdjustment(skinFraction: number): Adjustment {
  if (skinFraction > MOSTLY_SKIN) return 'none';
  if (skinFraction > SOME_BACKGROUND) return 'stretch_and_clahe';
  return 'clahe';
}

/** Tile grid side for CLAHE: floor(sqrt(H * W) / 100), at least 1 (34 for 12 megapixels). */
export function claheGrid(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.sqrt(width * height) / 100));
}

/**
 * The p-th percentile (0..100) of the values counted in a 256-bin histogram, with numpy's
 * default definition (method 'linear', Hyndman-Fan type 7): position p / 100 * (n - 1) in the
 * sorted values, interpolated linearly between its two neighbours.
 */
export function histogramPercentile(hist: ArrayLike<number>, total: number, p: number): number {
  const position = (p / 100) * (total - 1);
  const lowerRank = Math.floor(position);
  const fraction = position - lowerRank;
  const lower = valueAtRank(hist, lowerRank);
  if (fraction === 0) return lower;
  const upper = valueAtRank(hist, lowerRank + 1);
  return lower + fraction * (upper - lower);
}

/** The value at 0-based rank in the sorted sample that the histogram counts. */
function valueAtRank(hist: ArrayLike<number>, rank: number): number {
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v];
    if (seen > rank) return v;
  }
  return hist.length - 1;
}

type ChannelLuts = readonly [Uint8Array, Uint8Array, Uint8Array];

/**
 * Per-channel percentile stretch tables: the 1st percentile maps to 0 and the 99th to 255,
 * linearly, clipped to 0..255 and rounded half up. A channel whose two percentiles coincide is
 * left as is (stretching it would divide by zero).
 */
export function stretchLuts(rgb: RgbImage, percent = STRETCH_PERCENT): ChannelLuts {
  const src = rgb.data;
  const n = rgb.width * rgb.height;
  const h0 = new Float64Array(256);
  const h1 = new Float64Array(256);
  const h2 = new Float64Array(256);
  for (let j = 0; j < src.length; j += 3) {
    h0[src[j]]++;
    h1[src[j + 1]]++;
    h2[src[j + 2]]++;
  }
  const lut = (hist: Float64Array): Uint8Array => {
    const out = new Uint8Array(256);
    const lo = n > 0 ? histogramPercentile(hist, n, percent) : 0;
    const hi = n > 0 ? histogramPercentile(hist, n, 100 - percent) : 255;
    for (let v = 0; v < 256; v++) {
      if (hi <= lo) {
        out[v] = v;
        continue;
      }
      const stretched = ((v - lo) * 255) / (hi - lo);
      out[v] = stretched <= 0 ? 0 : stretched >= 255 ? 255 : Math.floor(stretched + 0.5);
    }
    return out;
  };
  return [lut(h0), lut(h1), lut(h2)];
}

/** The pixels at every (columns[i], rows[j]), copied, through optional per-channel tables. */
function samplePixels(rgb: RgbImage, columns: Int32Array, rows: Int32Array, luts?: ChannelLuts): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(columns.length * rows.length * 3);
  const src = rgb.data;
  const contiguous = columns.length > 0 && columns[columns.length - 1] - columns[0] === columns.length - 1;
  let o = 0;
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j] * rgb.width * 3;
    if (contiguous) {
      const from = row + columns[0] * 3;
      out.set(src.subarray(from, from + columns.length * 3), o);
      o += columns.length * 3;
    } else {
      for (let i = 0; i < columns.length; i++, o += 3) {
        const from = row + columns[i] * 3;
        out[o] = src[from];
        out[o + 1] = src[from + 1];
        out[o + 2] = src[from + 2];
      }
    }
  }
  if (luts) {
    const [l0, l1, l2] = luts;
    for (let j = 0; j < out.length; j += 3) {
      out[j] = l0[out[j]];
      out[j + 1] = l1[out[j + 1]];
      out[j + 2] = l2[out[j + 2]];
    }
  }
  return out;
}

/** Per-channel 1 % percentile stretch of the whole image (see stretchLuts). */
export function percentileStretch(rgb: RgbImage, percent = STRETCH_PERCENT): RgbImage {
  return rgbImage(rgb.width, rgb.height, samplePixels(rgb, lineRange(0, rgb.width), lineRange(0, rgb.height), stretchLuts(rgb, percent)));
}

/**
 * A photo's colour adjustment, decided and prepared on the whole photo (histograms, CLAHE tile
 * tables) but applied on demand to the pixels the crops read: they cover a small part of a
 * wide-field photo. Any pixel equals the same pixel of the wholly adjusted photo.
 */
export interface AdjustmentPlan {
  readonly adjustment: Adjustment;
  readonly width: number;
  readonly height: number;
  /** The adjusted pixels at every (columns[i], rows[j]): a columns.length x rows.length image. */
  sample(columns: Int32Array, rows: Int32Array): RgbImage;
  /** The adjusted pixels of box. */
  region(box: Box): RgbImage;
}

function plan(rgb: RgbImage, adjustment: Adjustment, sample: (columns: Int32Array, rows: Int32Array) => Uint8Array<ArrayBuffer>): AdjustmentPlan {
  const sampleImage = (columns: Int32Array, rows: Int32Array): RgbImage => rgbImage(columns.length, rows.length, sample(columns, rows));
  return {
    adjustment,
    width: rgb.width,
    height: rgb.height,
    sample: sampleImage,
    region: (box) => sampleImage(lineRange(box.x0, box.x1), lineRange(box.y0, box.y1)),
  };
}

/**
 * CLAHE on the lightness channel, after optional per-channel tables: RGB -> Lab (OpenCV
 * 8-bit), CLAHE on L with a floor(sqrt(H * W) / 100) square tile grid, Lab -> RGB. The colour
 * channels a and b are untouched.
 */
function lightnessEqualisation(rgb: RgbImage, adjustment: Adjustment, clipLimit: number, luts?: ChannelLuts): AdjustmentPlan {
  const { width, height } = rgb;
  const lightness = greyImage(width, height, luts ? lightnessPlane(rgb.data, ...luts) : lightnessPlane(rgb.data));
  const grid = claheGrid(width, height);
  const model = claheModel(lightness, clipLimit, grid, grid);
  return plan(rgb, adjustment, (columns, rows) => {
    const pixels = samplePixels(rgb, columns, rows, luts);
    replaceLightness(pixels, claheSamples(model, lightness, columns, rows));
    return pixels;
  });
}

/** Step 2: decide the photo's colour adjustment from its skin fraction and prepare it. */
export function planAdjustment(rgb: RgbImage, skinFraction: number): AdjustmentPlan {
  const adjustment = rgb.width === 0 || rgb.height === 0 ? 'none' : chooseAdjustment(skinFraction);
  switch (adjustment) {
    case 'none':
      return plan(rgb, 'none', (columns, rows) => samplePixels(rgb, columns, rows));
    case 'stretch_and_clahe':
      return lightnessEqualisation(rgb, 'stretch_and_clahe', CLIP_AFTER_STRETCH, stretchLuts(rgb));
    case 'clahe':
      return lightnessEqualisation(rgb, 'clahe', CLIP_ALONE);
  }
}

/** CLAHE on the lightness of the whole image with the given clip limit (see planAdjustment). */
export function claheOnLightness(rgb: RgbImage, clipLimit: number): RgbImage {
  if (rgb.width === 0 || rgb.height === 0) return rgb;
  return lightnessEqualisation(rgb, 'clahe', clipLimit).region(wholeImage(rgb));
}

/** Step 2 on the whole photo: the adjusted image and which adjustment it got. */
export function adjustColours(rgb: RgbImage, skinFraction: number): AdjustedImage {
  const plan = planAdjustment(rgb, skinFraction);
  if (plan.adjustment === 'none') return { image: rgb, adjustment: 'none' };
  return { image: plan.region(wholeImage(rgb)), adjustment: plan.adjustment };
}
