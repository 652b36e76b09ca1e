import { roundHalfEven } from './colour-space.js';

/*
 * 8-bit sRGB <-> CIE Lab (D65) with OpenCV's bit-exact integer paths (RGB2Lab_b and
 * Lab2RGBinteger in OpenCV 4.x), so that CLAHE on L behaves as the research code's cv2 pipeline.
 * 8-bit Lab in OpenCV: L scaled to 0..255 (L * 255 / 100), a and b offset by 128. Both
 * directions equal cv2 4.6 on all 2^24 inputs (checked once; the tests check a sample).
 */

// sRGB primaries to XYZ (D65), rows X, Y, Z; and the D65 white point.
const RGB_TO_XYZ = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
];
const XYZ_TO_RGB = [
  [3.240479, -1.53715, -0.498535],
  [-0.969256, 1.875991, 0.041556],
  [0.055648, -0.204043, 1.057311],
];
const WHITE = [0.950456, 1, 1.088754];

// Forward path: gamma-expanded channels carry 3 extra bits, XYZ 12 fraction bits, f(t) 15 bits.
const GAMMA_SHIFT = 3;
const XYZ_SHIFT = 12;
const F_SHIFT = XYZ_SHIFT + GAMMA_SHIFT;
const CBRT_TABLE_SIZE = ((256 * 3) / 2) * (1 << GAMMA_SHIFT);
const L_SCALE = Math.trunc((116 * 255 + 50) / 100);
const L_OFFSET = -Math.trunc((16 * 255 * (1 << F_SHIFT) + 50) / 100);
const F_ROUND = 1 << (F_SHIFT - 1);
const XYZ_ROUND = 1 << (XYZ_SHIFT - 1);

/** The sRGB transfer function (encoded 0..1 to linear 0..1). */
function srgbToLinear(x: number): number {
  return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
}

/** The inverse transfer function on 32-bit floats, as OpenCV's softfloat builds its table. */
function linearToSrgb(x: number): number {
  const f = Math.fround;
  return x <= f(0.0031308) ? f(x * f(12.92)) : f(f(f(1.055) * f(Math.pow(x, f(f(1) / f(2.4))))) - f(0.055));
}

// Table precision checked bit for bit against cv2 4.6 over all 2^24 colours: the transfer
// function in double, the cube root rounded to 32 bits before scaling.
const GAMMA_TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  GAMMA_TABLE[i] = roundHalfEven(255 * (1 << GAMMA_SHIFT) * srgbToLinear(i / 255));
}

const CBRT_TABLE = new Int32Array(CBRT_TABLE_SIZE);
for (let i = 0; i < CBRT_TABLE_SIZE; i++) {
  const x = i / (255 * (1 << GAMMA_SHIFT));
  // f(t) of CIE Lab: linear below (6/29)^3, cube root above.
  const v = x < 216 / 24389 ? (x * 841) / 108 + 16 / 116 : Math.fround(Math.cbrt(x));
  CBRT_TABLE[i] = roundHalfEven(v * (1 << F_SHIFT));
}

const FORWARD = RGB_TO_XYZ.map((row, i) => row.map((c) => roundHalfEven(((1 << XYZ_SHIFT) * c) / WHITE[i])));
const [FX_R, FX_G, FX_B] = FORWARD[0];
const [FY_R, FY_G, FY_B] = FORWARD[1];
const [FZ_R, FZ_G, FZ_B] = FORWARD[2];

/** rgbToLab of one pixel, packed as L << 16 | a << 8 | b. */
function labOfPixel(red: number, green: number, blue: number): number {
  const r = GAMMA_TABLE[red];
  const g = GAMMA_TABLE[green];
  const b = GAMMA_TABLE[blue];
  const fx = CBRT_TABLE[(r * FX_R + g * FX_G + b * FX_B + XYZ_ROUND) >> XYZ_SHIFT];
  const fy = CBRT_TABLE[(r * FY_R + g * FY_G + b * FY_B + XYZ_ROUND) >> XYZ_SHIFT];
  const fz = CBRT_TABLE[(r * FZ_R + g * FZ_G + b * FZ_B + XYZ_ROUND) >> XYZ_SHIFT];
  let l = (L_SCALE * fy + L_OFFSET + F_ROUND) >> F_SHIFT;
  let a = (500 * (fx - fy) + (128 << F_SHIFT) + F_ROUND) >> F_SHIFT;
  let bb = (200 * (fy - fz) + (128 << F_SHIFT) + F_ROUND) >> F_SHIFT;
  l = l < 0 ? 0 : l > 255 ? 255 : l;
  a = a < 0 ? 0 : a > 255 ? 255 : a;
  bb = bb < 0 ? 0 : bb > 255 ? 255 : bb;
  return (l << 16) | (a << 8) | bb;
}

/** cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab) on interleaved RGB bytes: interleaved L, a, b bytes. */
export function rgbToLab(rgb: Uint8Array, out: Uint8Array<ArrayBuffer> = new Uint8Array(rgb.length)): Uint8Array<ArrayBuffer> {
  for (let j = 0; j < rgb.length; j += 3) {
    const lab = labOfPixel(rgb[j], rgb[j + 1], rgb[j + 2]);
    out[j] = lab >> 16;
    out[j + 1] = (lab >> 8) & 255;
    out[j + 2] = lab & 255;
  }
  return out;
}

// L alone needs only Y: per-channel contributions to the Y row, and L for each Y index.
const Y_OF_R = Int32Array.from(GAMMA_TABLE, (v) => v * FY_R);
const Y_OF_G = Int32Array.from(GAMMA_TABLE, (v) => v * FY_G);
const Y_OF_B = Int32Array.from(GAMMA_TABLE, (v) => v * FY_B);
const L_OF_Y = Uint8Array.from(CBRT_TABLE, (fy) => {
  const l = (L_SCALE * fy + L_OFFSET + F_ROUND) >> F_SHIFT;
  return l < 0 ? 0 : l > 255 ? 255 : l;
});
const IDENTITY = Uint8Array.from({ length: 256 }, (_, i) => i);

/**
 * The L byte of rgbToLab for every pixel, optionally after per-channel lookup tables (the
 * percentile stretch), without computing a and b.
 */
export function lightnessPlane(
  rgb: Uint8Array,
  lutR: Uint8Array = IDENTITY,
  lutG: Uint8Array = IDENTITY,
  lutB: Uint8Array = IDENTITY,
): Uint8Array<ArrayBuffer> {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  const yr = lutR === IDENTITY ? Y_OF_R : Int32Array.from(lutR, (v) => Y_OF_R[v]);
  const yg = lutG === IDENTITY ? Y_OF_G : Int32Array.from(lutG, (v) => Y_OF_G[v]);
  const yb = lutB === IDENTITY ? Y_OF_B : Int32Array.from(lutB, (v) => Y_OF_B[v]);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = L_OF_Y[(yr[rgb[j]] + yg[rgb[j + 1]] + yb[rgb[j + 2]] + XYZ_ROUND) >> XYZ_SHIFT];
  }
  return out;
}

// Inverse path: f(t) and XYZ with 14 fraction bits, linear RGB indexes a 12-bit gamma table.
const BASE_SHIFT = 14;
const BASE = 1 << BASE_SHIFT;
const INV_GAMMA_SHIFT = 12;
const INV_GAMMA_SIZE = 1 << INV_GAMMA_SHIFT;
const INV_SHIFT = XYZ_SHIFT + (BASE_SHIFT - INV_GAMMA_SHIFT);
const INV_ROUND = 1 << (INV_SHIFT - 1);
const MIN_AB = -8145;
const AB_TABLE_SIZE = (BASE * 9) / 4;

const INV_GAMMA_TABLE = new Uint16Array(INV_GAMMA_SIZE);
for (let i = 0; i < INV_GAMMA_SIZE; i++) {
  const x = Math.fround(i * Math.fround(1 / INV_GAMMA_SIZE));
  INV_GAMMA_TABLE[i] = roundHalfEven(Math.fround(255 * linearToSrgb(x)));
}

/** f^-1 on 14-bit fixed point, with C's truncating integer division. */
const AB_TO_XZ = new Int32Array(AB_TABLE_SIZE);
for (let i = MIN_AB; i < AB_TABLE_SIZE + MIN_AB; i++) {
  // 3390 ~ (6/29) * 2^14, where f switches from linear to cubic.
  const v =
    i <= 3390
      ? Math.trunc((i * 108) / 841) - Math.trunc((Math.trunc((BASE * 16) / 116) * 108) / 841)
      : Math.trunc((Math.trunc((i * i) / BASE) * i) / BASE);
  AB_TO_XZ[i - MIN_AB] = v;
}

/** Y and f(Y) on 14-bit fixed point for each 8-bit L. */
const L_TO_Y = new Int32Array(256);
const L_TO_FY = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const f = Math.fround;
  if (i <= 20) {
    // 8-bit L <= 20 is L* <= 8: the linear segment of f.
    L_TO_Y[i] = roundHalfEven(f(f(i * BASE * 20 * 9) / f(17 * 29 * 29 * 29)));
    L_TO_FY[i] = roundHalfEven(f(f(BASE) * f(f(f(16) / f(116)) + f(f(i * 5) / f(3 * 17 * 29)))));
  } else {
    const fy = f(f(f(i * 100 * BASE) / f(255 * 116)) + f(f(16 * BASE) / f(116)));
    L_TO_FY[i] = roundHalfEven(fy);
    L_TO_Y[i] = roundHalfEven(f(f(f(fy * fy) * fy) / f(BASE * BASE)));
  }
}

const INVERSE = XYZ_TO_RGB.map((row) => row.map((c, k) => roundHalfEven((1 << XYZ_SHIFT) * c * WHITE[k])));
const [R_X, R_Y, R_Z] = INVERSE[0];
const [G_X, G_Y, G_Z] = INVERSE[1];
const [B_X, B_Y, B_Z] = INVERSE[2];
const A_OFFSET = Math.trunc((128 * BASE) / 500);
const B_OFFSET = Math.trunc((128 * BASE) / 200) - 1;

function clampGammaIndex(v: number): number {
  return v < 0 ? 0 : v > INV_GAMMA_SIZE - 1 ? INV_GAMMA_SIZE - 1 : v;
}

/** labToRgb of one pixel, packed as R << 16 | G << 8 | B. */
function rgbOfLab(l: number, a: number, b: number): number {
  const y = L_TO_Y[l];
  const fy = L_TO_FY[l];
  // a / 500 and b / 200 on 14-bit fixed point by multiply-and-shift, as OpenCV approximates them.
  const aDiv = ((5 * a * 53687 + (1 << 7)) >> 13) - A_OFFSET;
  const bDiv = ((b * 41943 + (1 << 4)) >> 9) - B_OFFSET;
  const x = AB_TO_XZ[fy + aDiv - MIN_AB];
  const z = AB_TO_XZ[fy - bDiv - MIN_AB];
  const red = INV_GAMMA_TABLE[clampGammaIndex((R_X * x + R_Y * y + R_Z * z + INV_ROUND) >> INV_SHIFT)];
  const green = INV_GAMMA_TABLE[clampGammaIndex((G_X * x + G_Y * y + G_Z * z + INV_ROUND) >> INV_SHIFT)];
  const blue = INV_GAMMA_TABLE[clampGammaIndex((B_X * x + B_Y * y + B_Z * z + INV_ROUND) >> INV_SHIFT)];
  return (red << 16) | (green << 8) | blue;
}

/** cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) on interleaved 8-bit Lab: interleaved RGB bytes. */
export function labToRgb(lab: Uint8Array, out: Uint8Array<ArrayBuffer> = new Uint8Array(lab.length)): Uint8Array<ArrayBuffer> {
  for (let j = 0; j < lab.length; j += 3) {
    const rgb = rgbOfLab(lab[j], lab[j + 1], lab[j + 2]);
    out[j] = rgb >> 16;
    out[j + 1] = (rgb >> 8) & 255;
    out[j + 2] = rgb & 255;
  }
  return out;
}

/**
 * In place: each RGB pixel becomes labToRgb of its own rgbToLab with L replaced by
 * lightness[i]. The round trip CLAHE-on-L needs, without an intermediate Lab buffer.
 */
export function replaceLightness(rgb: Uint8Array, lightness: Uint8Array): void {
  if (rgb.length !== lightness.length * 3) throw new RangeError(`${rgb.length} RGB bytes need ${rgb.length / 3} lightness values, got ${lightness.length}`);
  for (let i = 0, j = 0; i < lightness.length; i++, j += 3) {
    const lab = labOfPixel(rgb[j], rgb[j + 1], rgb[j + 2]);
    const out = rgbOfLab(lightness[i], (lab >> 8) & 255, lab & 255);
    rgb[j] = out >> 16;
    rgb[j + 1] = (out >> 8) & 255;
    rgb[j + 2] = out & 255;
  }
}
