import { createRgb, type RgbImage } from './image.js';

/**
 * One square view of a source image: the square of side `side` source px centred on (cx, cy),
 * rotated by `angle` and optionally mirrored, rendered to `outSize` x `outSize` px.
 */
export interface ViewSpec {
  readonly cx: number;
  readonly cy: number;
  readonly side: number;
  /** Radians, counter-clockwise. */
  readonly angle: number;
  readonly mirror: boolean;
  readonly outSize: number;
  /**
   * When set, the view is first rendered at this side (px) and then enlarged to `outSize` with
   * bilinear interpolation: what the pipeline does with a small lesion in a wide-field photo,
   * whose 3d square holds only a few dozen pixels before it is resized to the model's input.
   */
  readonly lowResSide?: number;
}

/** Most supersamples per axis: area averaging at 4 x 4 is close enough to a proper downscale. */
const MAX_SUPERSAMPLE = 4;

export function renderView(src: RgbImage, spec: ViewSpec): RgbImage {
  if (spec.lowResSide !== undefined && spec.lowResSide < spec.outSize) {
    const small = renderAffine(src, { ...spec, outSize: Math.max(2, Math.round(spec.lowResSide)) });
    return resizeBilinear(small, spec.outSize, spec.outSize);
  }
  return renderAffine(src, spec);
}

/** Area-averaged affine resampling with edge clamping. */
function renderAffine(src: RgbImage, spec: ViewSpec): RgbImage {
  const n = spec.outSize;
  const out = createRgb(n, n);
  const step = spec.side / n;
  const k = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(step)));
  const cos = Math.cos(spec.angle);
  const sin = Math.sin(spec.angle);
  const mirror = spec.mirror ? -1 : 1;
  const acc = [0, 0, 0];
  const inv = 1 / (k * k);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      acc[0] = 0;
      acc[1] = 0;
      acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const ly = (v + (j + 0.5) / k) * step - spec.side / 2;
        for (let i = 0; i < k; i++) {
          const lx = mirror * ((u + (i + 0.5) / k) * step - spec.side / 2);
          // Pixel centres sit at integer + 0.5 in continuous coordinates.
          const sx = spec.cx + cos * lx - sin * ly - 0.5;
          const sy = spec.cy + sin * lx + cos * ly - 0.5;
          sampleBilinear(src, sx, sy, acc);
        }
      }
      const o = (v * n + u) * 3;
      out.data[o] = Math.round((acc[0] as number) * inv);
      out.data[o + 1] = Math.round((acc[1] as number) * inv);
      out.data[o + 2] = Math.round((acc[2] as number) * inv);
    }
  }
  return out;
}

function sampleBilinear(src: RgbImage, x: number, y: number, acc: number[]): void {
  const w = src.width;
  const h = src.height;
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = xc - x0;
  const fy = yc - y0;
  const d = src.data;
  const p00 = (y0 * w + x0) * 3;
  const p01 = (y0 * w + x1) * 3;
  const p10 = (y1 * w + x0) * 3;
  const p11 = (y1 * w + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = (d[p00 + c] as number) * (1 - fx) + (d[p01 + c] as number) * fx;
    const bottom = (d[p10 + c] as number) * (1 - fx) + (d[p11 + c] as number) * fx;
    acc[c] = (acc[c] as number) + top * (1 - fy) + bottom * fy;
  }
}

/** Bilinear resize with half-pixel centres (the convention of sharp and OpenCV INTER_LINEAR). */
export function resizeBilinear(src: RgbImage, width: number, height: number): RgbImage {
  const out = createRgb(width, height);
  const sxScale = src.width / width;
  const syScale = src.height / height;
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    const sy = (v + 0.5) * syScale - 0.5;
    for (let u = 0; u < width; u++) {
      acc[0] = 0;
      acc[1] = 0;
      acc[2] = 0;
      sampleBilinear(src, (u + 0.5) * sxScale - 0.5, sy, acc);
      const o = (v * width + u) * 3;
      out.data[o] = Math.round(acc[0] as number);
      out.data[o + 1] = Math.round(acc[1] as number);
      out.data[o + 2] = Math.round(acc[2] as number);
    }
  }
  return out;
}
