import { greyImage, type GreyImage, type RgbImage } from './image.js';
import { rowWords } from './pixel-words.js';

/*
 * 8-bit colour conversions with OpenCV's integer arithmetic (cv::cvtColor, OpenCV 4.x), so that
 * thresholds taken from the research code (written against OpenCV) select the same pixels.
 * Every constant below is OpenCV's published fixed-point value; the test suite checks the results
 * against cv2 itself.
 */

/** OpenCV's 15-bit luma weights for RGB -> grey: 0.299, 0.587, 0.114 scaled by 2^15. */
const GREY_R = 9798;
const GREY_G = 19235;
const GREY_B = 3735;
const GREY_SHIFT = 15;

/** Grey level exactly as cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY). */
export function greyOf(r: number, g: number, b: number): number {
  return (r * GREY_R + g * GREY_G + b * GREY_B + (1 << (GREY_SHIFT - 1))) >> GREY_SHIFT;
}

export function toGrey(rgb: RgbImage): GreyImage {
  const n = rgb.width * rgb.height;
  const src = rgb.data;
  const out = new Uint8Array(n);
  // Four pixels are twelve bytes: three 32-bit loads in, one 32-bit store out (pixel-words.ts).
  const words = rowWords(src, 0);
  const quads = words === null ? 0 : n >> 2;
  if (words !== null) {
    const outWords = new Uint32Array(out.buffer, 0, quads);
    for (let q = 0, w = 0; q < quads; q++, w += 3) {
      const a = words[w]; // r0 g0 b0 r1
      const b = words[w + 1]; // g1 b1 r2 g2
      const c = words[w + 2]; // b2 r3 g3 b3
      const g0 = ((a & 255) * GREY_R + ((a >>> 8) & 255) * GREY_G + ((a >>> 16) & 255) * GREY_B + 16384) >> GREY_SHIFT;
      const g1 = ((a >>> 24) * GREY_R + (b & 255) * GREY_G + ((b >>> 8) & 255) * GREY_B + 16384) >> GREY_SHIFT;
      const g2 = (((b >>> 16) & 255) * GREY_R + (b >>> 24) * GREY_G + (c & 255) * GREY_B + 16384) >> GREY_SHIFT;
      const g3 = (((c >>> 8) & 255) * GREY_R + ((c >>> 16) & 255) * GREY_G + (c >>> 24) * GREY_B + 16384) >> GREY_SHIFT;
      outWords[q] = g0 | (g1 << 8) | (g2 << 16) | (g3 << 24);
    }
  }
  for (let i = quads * 4, j = i * 3; i < n; i++, j += 3) {
    out[i] = (src[j] * GREY_R + src[j + 1] * GREY_G + src[j + 2] * GREY_B + 16384) >> GREY_SHIFT;
  }
  return greyImage(rgb.width, rgb.height, out);
}

// ---------------------------------------------------------------------------------------------
// HSV (H in 0..179, S and V in 0..255), OpenCV's RGB2HSV_b: reciprocal tables with 12 fraction
// bits and round-half-to-even (cvRound) when the tables are built.

const HSV_SHIFT = 12;
const HSV_ROUND = 1 << (HSV_SHIFT - 1);

/** Round half to even, as cvRound does on x86 (the default FPU rounding mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SAT_DIV = new Int32Array(256);
const HUE_DIV = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  SAT_DIV[i] = roundHalfEven((255 << HSV_SHIFT) / i);
  HUE_DIV[i] = roundHalfEven((180 << HSV_SHIFT) / (6 * i));
}

/** OpenCV hue (0..179) of one RGB pixel. */
export function hueOf(r: number, g: number, b: number): number {
  const v = r > g ? (r > b ? r : b) : g > b ? g : b;
  const vmin = r < g ? (r < b ? r : b) : g < b ? g : b;
  const diff = v - vmin;
  // OpenCV's priority when channels tie: red, then green, then blue.
  let h = v === r ? g - b : v === g ? b - r + 2 * diff : r - g + 4 * diff;
  h = (h * HUE_DIV[diff] + HSV_ROUND) >> HSV_SHIFT;
  return h < 0 ? h + 180 : h;
}

/** OpenCV saturation (0..255) of one RGB pixel. */
export function saturationOf(r: number, g: number, b: number): number {
  const v = r > g ? (r > b ? r : b) : g > b ? g : b;
  const vmin = r < g ? (r < b ? r : b) : g < b ? g : b;
  return ((v - vmin) * SAT_DIV[v] + HSV_ROUND) >> HSV_SHIFT;
}

/** cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV): interleaved H, S, V bytes. */
export function rgbToHsv(rgb: RgbImage): Uint8Array {
  const src = rgb.data;
  const out = new Uint8Array(src.length);
  for (let j = 0; j < src.length; j += 3) {
    const r = src[j];
    const g = src[j + 1];
    const b = src[j + 2];
    out[j] = hueOf(r, g, b);
    out[j + 1] = saturationOf(r, g, b);
    out[j + 2] = r > g ? (r > b ? r : b) : g > b ? g : b;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// YCrCb, OpenCV's RGB2YCrCb_i<uchar>: 14 fraction bits, Cr = 0.713 (R - Y), Cb = 0.564 (B - Y).

const YUV_SHIFT = 14;
const Y_R = 4899;
const Y_G = 9617;
const Y_B = 1868;
const CR_SCALE = 11682;
const CB_SCALE = 9241;
const CHROMA_DELTA = 128 << YUV_SHIFT;
const YUV_ROUND = 1 << (YUV_SHIFT - 1);

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

export function lumaOf(r: number, g: number, b: number): number {
  return (r * Y_R + g * Y_G + b * Y_B + YUV_ROUND) >> YUV_SHIFT;
}

/** Cr given R and the pixel's luma from lumaOf. */
export function chromaRedOf(r: number, luma: number): number {
  return clampByte(((r - luma) * CR_SCALE + CHROMA_DELTA + YUV_ROUND) >> YUV_SHIFT);
}

/** Cb given B and the pixel's luma from lumaOf. */
export function chromaBlueOf(b: number, luma: number): number {
  return clampByte(((b - luma) * CB_SCALE + CHROMA_DELTA + YUV_ROUND) >> YUV_SHIFT);
}

/** cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb): interleaved Y, Cr, Cb bytes. */
export function rgbToYCrCb(rgb: RgbImage): Uint8Array {
  const src = rgb.data;
  const out = new Uint8Array(src.length);
  for (let j = 0; j < src.length; j += 3) {
    const r = src[j];
    const b = src[j + 2];
    const y = lumaOf(r, src[j + 1], b);
    out[j] = y;
    out[j + 1] = chromaRedOf(r, y);
    out[j + 2] = chromaBlueOf(b, y);
  }
  return out;
}
