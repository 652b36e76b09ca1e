import type { Rng } from './prng.js';
import { smoothstep } from './noise.js';
import type { SkinBox } from './types.js';

/**
 * The outline of a back seen from behind: neck at the top centre, rounded shoulders, a torso
 * that narrows to the waist and widens a little towards the hips. Each row of the photo holds
 * one horizontal span of skin; everything else in the row is background.
 */
export interface Body {
  width: number;
  height: number;
  /** Left edge of the skin span at a (fractional) row, in px; may lie outside the photo. */
  left(y: number): number;
  /** Right edge of the skin span at a (fractional) row, in px. */
  right(y: number): number;
  /** The body's centre line (the spine) at a row, in px. */
  midline(y: number): number;
  skinBox: SkinBox;
}

interface Shape {
  /** Centre line x at row fraction 0 and its drift to row fraction 1, both in photo widths. */
  centre: number;
  tilt: number;
  /** Row fraction of the top of the shoulders. */
  shoulderTop: number;
  neck: number;
  waist: number;
  waistAt: number;
  hips: number;
}

/** Share of the height above the shoulder line that is neck. */
const NECK_SHARE = 0.3;

/** Relative half-width (1 = the shoulders) at row fraction t. */
function profile(shape: Shape, t: number): number {
  const { shoulderTop, waist, waistAt, hips, neck } = shape;
  const torso =
    t <= waistAt
      ? 1 - (1 - waist) * smoothstep(shoulderTop, waistAt, t)
      : waist + (hips - waist) * smoothstep(waistAt, 1, t);
  if (t >= shoulderTop) return torso;
  // Above the shoulder line: the neck, then the trapezius sloping out to the rounded shoulders.
  const neckBase = shoulderTop * NECK_SHARE;
  if (t <= neckBase) return neck;
  const s = (t - neckBase) / (shoulderTop - neckBase);
  // The square-root ramp curves the neck into the trapezius instead of meeting it at a corner.
  return neck + (torso - neck) * (1 - (1 - s) ** 2.2) * Math.sqrt(smoothstep(0, 0.3, s));
}

function midlineOf(shape: Shape, width: number, height: number, y: number): number {
  const t = Math.min(Math.max(y / height, 0), 1);
  return (shape.centre + shape.tilt * (t - 0.5)) * width;
}

function spanOf(shape: Shape, width: number, height: number, scale: number, y: number): [number, number] {
  const t = Math.min(Math.max(y / height, 0), 1);
  const centre = midlineOf(shape, width, height, y);
  const half = scale * (width / 2) * profile(shape, t);
  return [centre - half, centre + half];
}

/** Background share for a given body scale, counting partially covered pixels fractionally. */
function backgroundShareAt(shape: Shape, width: number, height: number, scale: number): number {
  let skin = 0;
  for (let y = 0; y < height; y++) {
    const [l, r] = spanOf(shape, width, height, scale, y + 0.5);
    skin += Math.max(0, Math.min(r, width) - Math.max(l, 0));
  }
  return 1 - skin / (width * height);
}

/**
 * A body outline whose background covers `backgroundShare` of the photo. The shape varies a
 * little with the seed (posture, build); the scale is solved by bisection on the share.
 */
export function makeBody(rng: Rng, width: number, height: number, backgroundShare: number): Body {
  const shape: Shape = {
    centre: 0.5 + rng.uniform(-0.03, 0.03),
    tilt: rng.uniform(-0.04, 0.04),
    shoulderTop: rng.uniform(0.16, 0.22),
    neck: rng.uniform(0.22, 0.28),
    waist: rng.uniform(0.78, 0.88),
    waistAt: rng.uniform(0.6, 0.75),
    hips: rng.uniform(0.86, 0.96),
  };
  let scale: number;
  if (backgroundShare <= 0) {
    scale = Number.POSITIVE_INFINITY;
  } else {
    // The share falls as the scale grows; 0.05 leaves ~95 % background, 40 fills the frame.
    let lo = 0.05;
    let hi = 40;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (backgroundShareAt(shape, width, height, mid) > backgroundShare) lo = mid;
      else hi = mid;
    }
    scale = (lo + hi) / 2;
  }
  const left = (y: number): number => (Number.isFinite(scale) ? spanOf(shape, width, height, scale, y)[0] : -Infinity);
  const right = (y: number): number => (Number.isFinite(scale) ? spanOf(shape, width, height, scale, y)[1] : Infinity);

  let x0 = width;
  let x1 = 0;
  let y0 = height;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    const l = Math.max(0, left(y + 0.5));
    const r = Math.min(width, right(y + 0.5));
    if (r - l < 1) continue;
    x0 = Math.min(x0, Math.floor(l));
    x1 = Math.max(x1, Math.ceil(r));
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y + 1);
  }
  return {
    width,
    height,
    left,
    right,
    midline: (y) => midlineOf(shape, width, height, y),
    skinBox: { x0, y0, x1, y1 },
  };
}

/**
 * Whether the square of half-side `reach` px around (x, y) lies wholly on skin: inside the body
 * outline and inside the photo.
 */
export function fitsOnSkin(body: Body, x: number, y: number, reach: number): boolean {
  if (x - reach < 0 || x + reach > body.width || y - reach < 0 || y + reach > body.height) return false;
  // Rows 4 px apart suffice: the outline changes slowly compared to lesion sizes.
  for (let yy = y - reach; yy <= y + reach + 1e-9; yy += Math.max(1, Math.min(4, reach / 2))) {
    if (x - reach < body.left(yy) || x + reach > body.right(yy)) return false;
  }
  return x - reach >= body.left(y + reach) && x + reach <= body.right(y + reach);
}
