import type { RgbImage } from '../image.js';
import { clipRect, copyImage, strokeRect } from './canvas.js';
import { cropSquare } from './geometry.js';
import type { Mark, Rgb } from './types.js';

/** Classes that get a box (pipeline.md, classes table); the later entry is drawn on top. */
const BOXED_CLASSES: readonly { readonly classIndex: number; readonly colour: Rgb }[] = [
  { classIndex: 4, colour: [255, 255, 0] }, // nspl_b, yellow: consider further inspection
  { classIndex: 5, colour: [255, 0, 0] }, // spl, red: requires inspection or referral
];

/** Line width that stays visible whatever the photo size: 2 px up to 1200 px, 8 px on 12 MP. */
export function boxLineWidth(width: number, height: number): number {
  return Math.max(2, Math.round(Math.min(width, height) / 400));
}

/**
 * A copy of the photo with an outline around the crop square (3d, clipped at the border) of each
 * class-4 and class-5 mark. Boxes never shrink below four line widths, so even a tiny suspicious
 * lesion keeps a box that can be seen. Marks outside the photo are skipped.
 */
export function drawBoxes(photo: RgbImage, marks: readonly Mark[]): RgbImage {
  const out = copyImage(photo);
  const lineWidth = boxLineWidth(photo.width, photo.height);
  for (const { classIndex, colour } of BOXED_CLASSES) {
    for (const mark of marks) {
      if (mark.classIndex !== classIndex) continue;
      const square = cropSquare(mark, 4 * lineWidth);
      const box = square && clipRect(square, out.width, out.height);
      if (box) strokeRect(out, box, lineWidth, colour);
    }
  }
  return out;
}
