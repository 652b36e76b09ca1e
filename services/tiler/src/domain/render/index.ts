import { InvalidArgumentError } from '@skinlesion/errors';
import type { RgbImage } from '../image.js';
import { drawBoxes } from './boxes.js';
import { encodePng } from './encode.js';
import { scaleMark } from './geometry.js';
import { drawHeatmap } from './heatmap.js';
import { composeMontage } from './montage.js';
import { heightForWidth, resizeRgb } from './resize.js';
import type { Mark, PictureKind, RenderedPicture, RenderOptions } from './types.js';

export type { Mark, PictureKind, RenderedPicture, RenderOptions, Rgb } from './types.js';
export { boxLineWidth, drawBoxes } from './boxes.js';
export { drawHeatmap, HEAT_ALPHA } from './heatmap.js';
export { composeMontage, MONTAGE, montageLayout, montageOrder, type MontageLayout } from './montage.js';
export { jet } from './jet.js';

export const PICTURE_KINDS: readonly PictureKind[] = ['boxes', 'heatmap', 'montage'];

/**
 * One result picture of an analysed photo (pipeline.md step 9) as PNG bytes without metadata.
 * `photo` is the decoded, EXIF-rotated photo; marks are in its pixel coordinates. Marks outside
 * the photo, without a finite position or with zero diameter are clipped or skipped, never fatal.
 * With maxWidth, boxes and heat map are drawn on the downsized photo (crisp lines, less work);
 * the montage is downsized as a whole.
 */
export async function renderPicture(
  photo: RgbImage,
  kind: PictureKind,
  marks: readonly Mark[],
  options: RenderOptions = {},
): Promise<RenderedPicture> {
  const maxWidth = checkedMaxWidth(options.maxWidth);
  switch (kind) {
    case 'boxes': {
      const fitted = await fitToWidth(photo, marks, maxWidth);
      return encodePng(drawBoxes(fitted.photo, fitted.marks));
    }
    case 'heatmap': {
      const fitted = await fitToWidth(photo, marks, maxWidth);
      return encodePng(drawHeatmap(fitted.photo, fitted.marks));
    }
    case 'montage':
      return encodePng(await composeMontage(photo, marks), maxWidth);
    default:
      throw new InvalidArgumentError(`unknown picture kind ${JSON.stringify(kind satisfies never)}`, {
        kind,
        allowed: PICTURE_KINDS,
      });
  }
}

/** 0 and undefined mean "keep the size" (0 is what an unset proto3 integer reads as). */
function checkedMaxWidth(maxWidth: number | undefined): number | undefined {
  if (maxWidth === undefined || maxWidth === 0) return undefined;
  if (!Number.isInteger(maxWidth) || maxWidth < 1) {
    throw new InvalidArgumentError('maxWidth must be a positive integer', { maxWidth });
  }
  return maxWidth;
}

async function fitToWidth(
  photo: RgbImage,
  marks: readonly Mark[],
  maxWidth: number | undefined,
): Promise<{ photo: RgbImage; marks: readonly Mark[] }> {
  if (maxWidth === undefined || photo.width <= maxWidth) return { photo, marks };
  const resized = await resizeRgb(photo, maxWidth, heightForWidth(photo.width, photo.height, maxWidth));
  const scale = resized.width / photo.width;
  return { photo: resized, marks: marks.map((mark) => scaleMark(mark, scale)) };
}
