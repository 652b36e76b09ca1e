import type { RgbImage } from '../image.js';
import { blurPlane } from './blur.js';
import { copyImage } from './canvas.js';
import { hasFinitePosition, markDiameter, udScoreOf } from './geometry.js';
import { jet } from './jet.js';
import type { Mark } from './types.js';

/** Heat opacity where a lesion's circle is; the photo shows through elsewhere. */
export const HEAT_ALPHA = 0.5;
/** Blur sigma per typical (median) blob diameter: soft edges, centres stay saturated. */
const SIGMA_PER_DIAMETER = 0.5;
/** The heat layer is drawn and blurred at most this large, then sampled up: keeps 12 MP fast. */
const MAX_LAYER_SIDE = 1024; // px
/**
 * The layer is shrunk further until the blur sigma is 1.5 to 3 layer cells: the blurred heat has
 * no detail finer than sigma, so bilinear sampling of it stays smooth, and the kernel stays at
 * 11 to 19 taps.
 */
const LAYER_SIGMA = 1.5; // px
/** Below this blurred coverage a pixel is left as it was: it would change by under half a level. */
const MIN_COVERAGE = 1 / 512;

interface ScoredMark {
  readonly x: number;
  readonly y: number;
  readonly radius: number; // px in the photo: the heat circle's radius is the blob diameter
  readonly score: number;
}

/**
 * The photo with the ugly-duckling heat map blended over it: a filled circle of radius d at each
 * scored lesion, coloured on the jet scale with common (UD 0) blue and odd (UD 1) red, blurred.
 * Colours are blurred, not scores: blurring scores and mapping them through jet afterwards paints
 * a rainbow fringe of made-up middle scores between an odd and a common neighbour. Odder lesions
 * are painted last and win where circles overlap. Without any scored lesion the photo is
 * returned as it is.
 */
export function drawHeatmap(photo: RgbImage, marks: readonly Mark[]): RgbImage {
  const scored = scoredMarks(marks);
  if (scored.length === 0) return photo;

  const sigmaPhoto = Math.max(1, SIGMA_PER_DIAMETER * median(scored.map((m) => m.radius)));
  const factor = Math.max(
    1,
    Math.ceil(Math.max(photo.width, photo.height) / MAX_LAYER_SIDE),
    Math.floor(sigmaPhoto / LAYER_SIGMA),
  );
  const sigma = sigmaPhoto / factor;
  const layer = new HeatLayer(photo.width, photo.height, factor, Math.ceil(3 * sigma) + 1);
  for (const mark of scored) layer.paintCircle(mark);
  layer.blur(sigma);
  return layer.blendOver(photo);
}

function scoredMarks(marks: readonly Mark[]): ScoredMark[] {
  const scored: ScoredMark[] = [];
  for (const mark of marks) {
    const score = udScoreOf(mark);
    const radius = markDiameter(mark);
    if (score !== null && radius > 0 && hasFinitePosition(mark)) scored.push({ x: mark.x, y: mark.y, radius, score });
  }
  return scored.sort((a, b) => a.score - b.score);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Coverage and coverage-weighted (premultiplied) jet colour on a grid `factor` times coarser
 * than the photo, with a zero margin of `pad` cells so the blur near the photo's border sees the
 * circles that leave it.
 */
class HeatLayer {
  readonly width: number;
  readonly height: number;
  /** coverage, then premultiplied red, green, blue (0..255). */
  private planes: Float32Array[];

  constructor(
    private readonly photoWidth: number,
    private readonly photoHeight: number,
    private readonly factor: number,
    private readonly pad: number,
  ) {
    this.width = Math.ceil(photoWidth / factor) + 2 * pad;
    this.height = Math.ceil(photoHeight / factor) + 2 * pad;
    this.planes = Array.from({ length: 4 }, () => new Float32Array(this.width * this.height));
  }

  /** Layer coordinate of a photo coordinate (pixel centres aligned). */
  toLayer(photoCoordinate: number): number {
    return (photoCoordinate + 0.5) / this.factor - 0.5 + this.pad;
  }

  /** Anti-aliased disc composited "over" what is there. */
  paintCircle(mark: ScoredMark): void {
    const [coverage, red, green, blue] = this.planes;
    const [r, g, b] = jet(mark.score);
    const cx = this.toLayer(mark.x);
    const cy = this.toLayer(mark.y);
    const radius = mark.radius / this.factor;
    const x0 = Math.max(0, Math.floor(cx - radius - 1));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + radius + 1));
    const y0 = Math.max(0, Math.floor(cy - radius - 1));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + radius + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const a = Math.min(1, radius + 0.5 - Math.hypot(x - cx, y - cy));
        if (a <= 0) continue;
        const i = y * this.width + x;
        coverage[i] += a * (1 - coverage[i]);
        red[i] += a * (r - red[i]);
        green[i] += a * (g - green[i]);
        blue[i] += a * (b - blue[i]);
      }
    }
  }

  blur(sigma: number): void {
    this.planes = this.planes.map((plane) => blurPlane(plane, this.width, this.height, sigma));
  }

  /**
   * Alpha and alpha-weighted jet colour per layer cell, then sampled bilinearly at every photo
   * pixel: out = photo * (1 - alpha) + alpha * colour.
   */
  blendOver(photo: RgbImage): RgbImage {
    const cells = this.width * this.height;
    const [coverage, red, green, blue] = this.planes;
    const planes = [new Float32Array(cells), new Float32Array(cells), new Float32Array(cells), new Float32Array(cells)] as const;
    const [alphaPlane, redPlane, greenPlane, bluePlane] = planes;
    for (let i = 0; i < cells; i++) {
      const m = coverage[i];
      if (m < MIN_COVERAGE) continue;
      // Coverage reaches about 1/2 at a circle's rim: full heat inside it, fading outside.
      const alpha = HEAT_ALPHA * Math.min(1, 2 * m);
      alphaPlane[i] = alpha;
      redPlane[i] = (alpha * red[i]) / m;
      greenPlane[i] = (alpha * green[i]) / m;
      bluePlane[i] = (alpha * blue[i]) / m;
    }

    const out = copyImage(photo);
    const data = out.data;
    const lw = this.width;
    const column = new Int32Array(this.photoWidth);
    const columnFraction = new Float32Array(this.photoWidth);
    for (let x = 0; x < this.photoWidth; x++) {
      const lx = this.toLayer(x);
      column[x] = Math.floor(lx);
      columnFraction[x] = lx - column[x];
    }
    // Bilinear sampling split in two: layer rows are mixed once per photo row, then each pixel
    // mixes two neighbouring cells of that mixed row.
    const rows = [new Float32Array(lw), new Float32Array(lw), new Float32Array(lw), new Float32Array(lw)] as const;
    const [alphaRow, redRow, greenRow, blueRow] = rows;
    for (let y = 0; y < this.photoHeight; y++) {
      const ly = this.toLayer(y);
      const top = Math.floor(ly) * lw;
      const fy = ly - Math.floor(ly);
      let hot = false;
      for (let k = 0; k < 4; k++) {
        const plane = planes[k];
        const row = rows[k];
        for (let c = 0; c < lw; c++) row[c] = plane[top + c] + fy * (plane[top + lw + c] - plane[top + c]);
      }
      for (let c = 0; c < lw && !hot; c++) hot = alphaRow[c] > 0;
      if (!hot) continue;
      for (let x = 0, p = 3 * y * this.photoWidth; x < this.photoWidth; x++, p += 3) {
        const c = column[x];
        const a0 = alphaRow[c];
        const a1 = alphaRow[c + 1];
        if (a0 === 0 && a1 === 0) continue;
        const fx = columnFraction[x];
        const keep = 1 - (a0 + fx * (a1 - a0));
        // + 0.5 rounds, as the byte store truncates.
        data[p] = data[p] * keep + redRow[c] + fx * (redRow[c + 1] - redRow[c]) + 0.5;
        data[p + 1] = data[p + 1] * keep + greenRow[c] + fx * (greenRow[c + 1] - greenRow[c]) + 0.5;
        data[p + 2] = data[p + 2] * keep + blueRow[c] + fx * (blueRow[c + 1] - blueRow[c]) + 0.5;
      }
    }
    return out;
  }
}
