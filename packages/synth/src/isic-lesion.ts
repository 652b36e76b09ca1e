import sharp from 'sharp';
import type { IsicEntry } from './isic-data.js';
import { centroidOf, feather, reorient, type LesionPatch } from './patch.js';

/**
 * Turns a dermoscopic ISIC image and its mask into a wide-field lesion patch: the bounding
 * square of the mask with a margin, scaled down to the lesion's size in the photo, its colours
 * expressed relative to the skin around it (so it takes on the tone of the synthetic skin), and
 * the mask, feathered, as its alpha.
 */

/** Margin around the mask's bounding box on each side, as a share of its longer side. */
const CROP_MARGIN = 0.25;
/** Share of a lesion's colour (relative to the skin) kept; see where it is applied. */
const DESATURATION = 0.75;
/** Steepest power law used to darken a faint lesion; see applyContrastFloor. */
const MAX_GAMMA = 2.5;
/** Nearest a mask may come to the image border, as a share of the longer side. */
const BORDER_SHARE = 0.005;
/** Skin pixels needed around the lesion in the crop to trust their colour as the reference. */
const MIN_REFERENCE_SHARE = 0.05;

export interface IsicPatchRequest {
  /** The lesion's equivalent-circle diameter in the photo, in px. */
  diameter: number;
  /**
   * Lightest allowed median lesion brightness relative to the skin around it. Faint lesions
   * (the lightest quarter of ISIC nevi is above 0.75) would vanish at wide-field scale, where no
   * dermoscope enhances them; the ground truth promises a visible lesion, so they are darkened.
   */
  contrastFloor: number;
  quarterTurns: number;
  mirror: boolean;
}

interface Mask {
  data: Buffer;
  width: number;
  height: number;
}

async function decodeMask(file: string): Promise<Mask> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`${file}: expected 1 channel, decoded ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/**
 * The image and the mask scaled to the photo's scale in one go: JPEG shrink-on-load makes this
 * several times cheaper than decoding at full size and cropping first.
 */
async function scaledPair(imagePath: string, mask: Mask, width: number, height: number): Promise<{ rgb: Buffer; alpha: Buffer }> {
  const [rgb, alpha] = await Promise.all([
    sharp(imagePath)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true }),
    sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } })
      .resize(width, height, { fit: 'fill', kernel: 'linear' })
      // libvips would otherwise widen a one-band raw image to sRGB on output.
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  if (rgb.info.channels !== 3 || alpha.info.channels !== 1) {
    throw new Error(`${imagePath}: unexpected channels after scaling (${rgb.info.channels}, ${alpha.info.channels})`);
  }
  return { rgb: rgb.data, alpha: alpha.data };
}

/**
 * The skin colour among the listed pixels: per-channel medians of the brighter half (by luma),
 * which leaves out hairs, ruler marks and vignetting, all darker than skin under a dermoscope.
 */
function skinColour(rgb: Uint8Array, pixels: readonly number[]): [number, number, number] {
  const luma = (i: number): number => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  const lumas = pixels.map(luma);
  const cut = medianOf(lumas);
  const bright = pixels.filter((_, n) => lumas[n] >= cut);
  const hist = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  for (const i of bright) {
    hist[0][rgb[3 * i]]++;
    hist[1][rgb[3 * i + 1]]++;
    hist[2][rgb[3 * i + 2]]++;
  }
  const median = (h: Uint32Array): number => {
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += h[v];
      // At least 1: the reference divides.
      if (acc * 2 >= bright.length) return Math.max(v, 1);
    }
    return 255;
  };
  return [median(hist[0]), median(hist[1]), median(hist[2])];
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 1;
  const sorted = values.slice().sort((p, q) => p - q);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Darkens the lesion, keeping its pattern and hue, until its median transmittance (luma) is at
 * most `floor`. A power law on each pixel's luma maps 1 to 1, so the border still fades into the
 * skin; scaling the channels together keeps the colour from saturating as it darkens.
 */
function applyContrastFloor(factor: Float32Array, alpha: Float32Array, floor: number): void {
  const luma = (k: number): number => 0.299 * factor[3 * k] + 0.587 * factor[3 * k + 1] + 0.114 * factor[3 * k + 2];
  const core: number[] = [];
  for (let k = 0; k < alpha.length; k++) if (alpha[k] > 0.5) core.push(luma(k));
  const current = medianOf(core);
  if (current <= floor) return;
  // A steep power law turns a faint lesion's texture into salt and pepper; past MAX_GAMMA the
  // rest of the way is a plain scale. Near-white lesions (current ~ 1) get the scale alone.
  const gamma = current < 0.98 ? Math.min(Math.log(floor) / Math.log(current), MAX_GAMMA) : 1;
  const scale = floor / current ** gamma;
  for (let k = 0; k < alpha.length; k++) {
    const l = Math.max(luma(k), 1e-3);
    const ratio = (scale * l ** gamma) / l;
    factor[3 * k] *= ratio;
    factor[3 * k + 1] *= ratio;
    factor[3 * k + 2] *= ratio;
  }
}

/**
 * The lesion of `entry` as a patch, or null when it cannot make a clean one: an empty mask, or a
 * lesion cut by the dermoscope's field of view (its straight cut edge would show in the photo).
 */
export async function isicPatch(entry: IsicEntry, request: IsicPatchRequest): Promise<LesionPatch | null> {
  const mask = await decodeMask(entry.maskPath);
  const { width: w, height: h } = mask;

  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  let area = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask.data[y * w + x] < 128) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (area === 0) return null;
  // A mask within 0.5 % of the border (4 px at 768 px) is cut by the field of view, or as good
  // as: its straight cut edge would show in the photo.
  const edge = Math.ceil(BORDER_SHARE * Math.max(w, h));
  if (x0 <= edge || y0 <= edge || x1 >= w - 1 - edge || y1 >= h - 1 - edge) return null;

  // The requested diameter is the equivalent-circle diameter of the mask, the size a blob
  // detector measures; an elongated lesion is longer than it along one axis.
  const scale = request.diameter / (2 * Math.sqrt(area / Math.PI));
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const { rgb, alpha: softMask } = await scaledPair(entry.imagePath, mask, sw, sh);

  // The bounding square of the mask plus margin, at the photo's scale.
  const extent = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const size = Math.max(4, Math.ceil(extent * (1 + 2 * CROP_MARGIN) * scale));
  const ox = Math.round(((x0 + x1 + 1) / 2) * (sw / w) - size / 2);
  const oy = Math.round(((y0 + y1 + 1) / 2) * (sh / h) - size / 2);
  const crop = new Uint8Array(size * size * 3);
  const hard = new Float32Array(size * size);
  const around: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = ox + x;
      const sy = oy + y;
      if (sx < 0 || sy < 0 || sx >= sw || sy >= sh) continue; // beyond the image: no lesion there
      const k = y * size + x;
      const src = sy * sw + sx;
      crop[3 * k] = rgb[3 * src];
      crop[3 * k + 1] = rgb[3 * src + 1];
      crop[3 * k + 2] = rgb[3 * src + 2];
      hard[k] = softMask[src] / 255;
      // A quarter of the lesion's opacity at most: clearly skin, not the lesion's fading edge.
      if (softMask[src] < 64) around.push(k);
    }
  }
  const reference =
    around.length >= Math.max(MIN_REFERENCE_SHARE * size * size, 16)
      ? skinColour(crop, around)
      : skinColour(
          rgb,
          Array.from({ length: sw * sh }, (_, k) => k).filter((k) => softMask[k] < 64),
        );

  // ~4 % of the diameter: a visible but narrow fade, like a mole's natural border.
  const alpha = feather(hard, size, Math.min(Math.max(0.04 * request.diameter, 0.5), 1.5));
  const factor = new Float32Array(size * size * 3);
  for (let k = 0; k < size * size; k++) {
    if (alpha[k] === 0) {
      factor[3 * k] = factor[3 * k + 1] = factor[3 * k + 2] = 1;
      continue;
    }
    const r = crop[3 * k] / reference[0];
    const g = crop[3 * k + 1] / reference[1];
    const b = crop[3 * k + 2] / reference[2];
    // Dermoscopes' lighting saturates reds; a quarter less colour reads as brown on the back.
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    // Pigment only absorbs: nothing in a lesion is brighter than the skin around it.
    factor[3 * k] = Math.min(luma + DESATURATION * (r - luma), 1);
    factor[3 * k + 1] = Math.min(luma + DESATURATION * (g - luma), 1);
    factor[3 * k + 2] = Math.min(luma + DESATURATION * (b - luma), 1);
  }
  applyContrastFloor(factor, alpha, request.contrastFloor);
  const patch: LesionPatch = { size, factor, alpha, ...centroidOf(alpha, size) };
  return reorient(patch, request.quarterTurns, request.mirror);
}
