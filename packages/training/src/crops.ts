import { CountTable } from './integral.js';
import { luma, type RgbImage } from './image.js';
import type { IsicSample } from './isic.js';
import { jitterPhotometric } from './photometric.js';
import type { Rng } from './rng.js';
import { renderView, type ViewSpec } from './sampler.js';

/** Lesion widths in a wide-field photo of a back, px (issue 3). */
export const WIDE_FIELD_LESION_PX = { min: 10, max: 60 } as const;
/** Luma below which an ISIC pixel belongs to the dark dermoscope vignette. */
const DARK_LUMA = 40;

export interface ViewOptions {
  readonly outSize: number;
  /** Random rotation, mirroring, scale and colour changes; off for canonical evaluation views. */
  readonly augment: boolean;
}

/** Per-image lookup tables, built once and reused for every view of that image. */
export interface SampleIndex {
  readonly sample: IsicSample;
  readonly lesion: CountTable;
  readonly dark: CountTable;
}

export function indexSample(sample: IsicSample): SampleIndex {
  const { image, mask } = sample;
  const d = image.data;
  return {
    sample,
    lesion: new CountTable(mask.width, mask.height, (i) => (mask.data[i] as number) >= 128),
    dark: new CountTable(image.width, image.height, (i) => luma(d[i * 3] as number, d[i * 3 + 1] as number, d[i * 3 + 2] as number) < DARK_LUMA),
  };
}

/**
 * The pipeline's crop of a lesion: the square of side 3d around its centre (d = equivalent
 * diameter of the mask). The square is shrunk and shifted to stay inside the photo when the
 * lesion is large, as ISIC lesions often are; a wide-field view renders it at `lesionPx` px lesion
 * width first and enlarges it to the input size, like a small lesion of a back photo.
 */
export function lesionView(index: SampleIndex, rng: Rng, options: ViewOptions & { readonly lesionPx?: number }): RgbImage {
  const { image, lesion } = index.sample;
  const d = lesion.diameter;
  const scale = options.augment ? rng.uniform(0.8, 1.25) : 1;
  let cx = lesion.cx + (options.augment ? rng.uniform(-0.1, 0.1) * d : 0);
  let cy = lesion.cy + (options.augment ? rng.uniform(-0.1, 0.1) * d : 0);
  const side = Math.min(3 * d * scale, image.width, image.height);
  cx = Math.min(Math.max(cx, side / 2), image.width - side / 2);
  cy = Math.min(Math.max(cy, side / 2), image.height - side / 2);
  const spec: ViewSpec = {
    cx,
    cy,
    side,
    angle: options.augment ? rng.uniform(0, 2 * Math.PI) : 0,
    mirror: options.augment && rng.chance(0.5),
    outSize: options.outSize,
    ...(options.lesionPx === undefined ? {} : { lowResSide: (side * options.lesionPx) / d }),
  };
  const view = renderView(image, spec);
  return options.augment ? jitterPhotometric(view, rng) : view;
}

/**
 * A lesion-free skin view: a square well away from the mask (a margin of half a side, so a
 * rotation cannot bring the lesion in) and free of the dark vignette. Undefined when the photo
 * has no such place after a bounded number of tries.
 */
export function skinView(index: SampleIndex, rng: Rng, options: ViewOptions & { readonly lowResSide?: number }): RgbImage | undefined {
  const { image } = index.sample;
  const short = Math.min(image.width, image.height);
  for (let attempt = 0; attempt < 60; attempt++) {
    const side = rng.uniform(0.1, 0.3) * short;
    const cx = rng.uniform(side, image.width - side);
    const cy = rng.uniform(side, image.height - side);
    const guard = side * 1.6;
    if (index.lesion.fractionInSquare(cx, cy, guard) > 0) continue;
    if (index.dark.fractionInSquare(cx, cy, guard) > 0.01) continue;
    return finish(image, rng, options, { cx, cy, side });
  }
  return undefined;
}

/**
 * Views of the dark vignette: `background` when at least 90 % of the square is vignette, `edge`
 * when the square straddles the vignette border (20-80 % dark, no lesion): the dermoscope's
 * version of a body outline.
 */
export function vignetteView(
  index: SampleIndex,
  rng: Rng,
  kind: 'background' | 'edge',
  options: ViewOptions & { readonly lowResSide?: number },
): RgbImage | undefined {
  const { image } = index.sample;
  const short = Math.min(image.width, image.height);
  for (let attempt = 0; attempt < 80; attempt++) {
    const side = rng.uniform(0.08, 0.3) * short;
    const cx = rng.uniform(side / 2, image.width - side / 2);
    const cy = rng.uniform(side / 2, image.height - side / 2);
    const dark = index.dark.fractionInSquare(cx, cy, side);
    if (kind === 'background') {
      if (dark < 0.9) continue;
    } else {
      if (dark < 0.2 || dark > 0.8) continue;
      if (index.lesion.fractionInSquare(cx, cy, side * 1.5) > 0) continue;
    }
    // Rotations only for background: a rotated edge square would pull in unmeasured corners.
    return finish(image, rng, options, { cx, cy, side }, kind === 'background');
  }
  return undefined;
}

function finish(
  image: RgbImage,
  rng: Rng,
  options: ViewOptions & { readonly lowResSide?: number },
  place: { cx: number; cy: number; side: number },
  rotate = true,
): RgbImage {
  const quarter = Math.floor(rng.next() * 4) * (Math.PI / 2);
  const spec: ViewSpec = {
    ...place,
    angle: options.augment ? (rotate ? rng.uniform(0, 2 * Math.PI) : quarter) : 0,
    mirror: options.augment && rng.chance(0.5),
    outSize: options.outSize,
    ...(options.lowResSide === undefined ? {} : { lowResSide: options.lowResSide }),
  };
  const view = renderView(image, spec);
  return options.augment ? jitterPhotometric(view, rng) : view;
}
