/**
 * A lesion as a small square patch that darkens the skin under it.
 *
 * Pigment absorbs light, so a lesion is modelled as a per-channel transmittance `factor` (1 =
 * skin unchanged) blended in with an `alpha` that falls off softly at the lesion's border. Drawn
 * and real lesions both become patches, and both then inherit the tone, shading and texture of
 * the skin they land on, the way a mole on a real back does.
 */
export interface LesionPatch {
  /** Side of the square patch in px. */
  size: number;
  /** size * size * 3 transmittances, row-major RGB. */
  factor: Float32Array;
  /** size * size opacities in [0, 1]. */
  alpha: Float32Array;
  /** Alpha-weighted centroid in patch px (pixel centres at +0.5). */
  cx: number;
  cy: number;
}

/** Alpha-weighted centroid, the point a blob detector reports as the lesion's centre. */
export function centroidOf(alpha: Float32Array, size: number): { cx: number; cy: number } {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = alpha[y * size + x];
      sum += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
    }
  }
  if (sum === 0) return { cx: size / 2, cy: size / 2 };
  return { cx: sx / sum, cy: sy / sum };
}

/**
 * Blends the patch into packed RGB so that its centroid lands as close as an integer offset
 * allows to (x, y); returns the centroid's actual position in the photo.
 */
export function composite(
  rgb: Uint8ClampedArray,
  width: number,
  height: number,
  patch: LesionPatch,
  x: number,
  y: number,
): { x: number; y: number } {
  const ox = Math.round(x - patch.cx);
  const oy = Math.round(y - patch.cy);
  const { size, factor, alpha } = patch;
  for (let py = 0; py < size; py++) {
    const yy = oy + py;
    if (yy < 0 || yy >= height) continue;
    for (let px = 0; px < size; px++) {
      const xx = ox + px;
      if (xx < 0 || xx >= width) continue;
      const k = py * size + px;
      const a = alpha[k];
      if (a <= 0) continue;
      const p = 3 * (yy * width + xx);
      rgb[p] = rgb[p] * (1 - a + a * factor[3 * k]);
      rgb[p + 1] = rgb[p + 1] * (1 - a + a * factor[3 * k + 1]);
      rgb[p + 2] = rgb[p + 2] * (1 - a + a * factor[3 * k + 2]);
    }
  }
  return { x: ox + patch.cx, y: oy + patch.cy };
}

/** The patch turned by quarter turns and optionally mirrored, so one source gives 8 looks. */
export function reorient(patch: LesionPatch, quarterTurns: number, mirror: boolean): LesionPatch {
  const { size } = patch;
  const factor = new Float32Array(patch.factor.length);
  const alpha = new Float32Array(patch.alpha.length);
  const turns = ((quarterTurns % 4) + 4) % 4;
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = mirror ? last - x : x;
      let tx: number;
      let ty: number;
      if (turns === 0) [tx, ty] = [sx, y];
      else if (turns === 1) [tx, ty] = [last - y, sx];
      else if (turns === 2) [tx, ty] = [last - sx, last - y];
      else [tx, ty] = [y, last - sx];
      const from = y * size + x;
      const to = ty * size + tx;
      alpha[to] = patch.alpha[from];
      factor[3 * to] = patch.factor[3 * from];
      factor[3 * to + 1] = patch.factor[3 * from + 1];
      factor[3 * to + 2] = patch.factor[3 * from + 2];
    }
  }
  return { size, factor, alpha, ...centroidOf(alpha, size) };
}

/**
 * Softens the alpha's border with a Gaussian of `sigma` px, so that the lesion fades into the
 * skin instead of ending at a hard cut-out line.
 */
export function feather(alpha: Float32Array, size: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
    total += kernel[i + radius];
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const tmp = new Float32Array(alpha.length);
  const out = new Float32Array(alpha.length);
  // Outside the patch alpha is 0, so the sums simply skip out-of-range taps.
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++) {
        const xx = x + i;
        if (xx >= 0 && xx < size) acc += kernel[i + radius] * alpha[y * size + xx];
      }
      tmp[y * size + x] = acc;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++) {
        const yy = y + i;
        if (yy >= 0 && yy < size) acc += kernel[i + radius] * tmp[yy * size + x];
      }
      out[y * size + x] = acc;
    }
  }
  return out;
}
