import type { Box } from '../box.js';
import { rgbImage, type RgbImage } from '../image.js';
import type { Rgb } from './types.js';

export function copyImage(image: RgbImage): RgbImage {
  return rgbImage(image.width, image.height, image.data.slice());
}

export function filledImage(width: number, height: number, colour: Rgb): RgbImage {
  const image = rgbImage(width, height);
  fillRect(image, { x0: 0, y0: 0, x1: width, y1: height }, colour);
  return image;
}

/** The part of box inside the image, or null when nothing is left. */
export function clipRect(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, box.x0);
  const y0 = Math.max(0, box.y0);
  const x1 = Math.min(width, box.x1);
  const y1 = Math.min(height, box.y1);
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

export function fillRect(image: RgbImage, box: Box, colour: Rgb): void {
  const clipped = clipRect(box, image.width, image.height);
  if (clipped === null) return;
  const [r, g, b] = colour;
  const { data, width } = image;
  for (let y = clipped.y0; y < clipped.y1; y++) {
    for (let i = 3 * (y * width + clipped.x0), end = 3 * (y * width + clipped.x1); i < end; i += 3) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
}

/** Outline drawn inside box, lineWidth px thick; a box thinner than two lines is filled. */
export function strokeRect(image: RgbImage, box: Box, lineWidth: number, colour: Rgb): void {
  const { x0, y0, x1, y1 } = box;
  const w = Math.max(1, Math.round(lineWidth));
  fillRect(image, { x0, y0, x1, y1: Math.min(y1, y0 + w) }, colour);
  fillRect(image, { x0, y0: Math.max(y0, y1 - w), x1, y1 }, colour);
  fillRect(image, { x0, y0, x1: Math.min(x1, x0 + w), y1 }, colour);
  fillRect(image, { x0: Math.max(x0, x1 - w), y0, x1, y1 }, colour);
}

/** Copies source into target with its top-left corner at (x, y), clipped to the target. */
export function blit(target: RgbImage, source: RgbImage, x: number, y: number): void {
  const area = clipRect({ x0: x, y0: y, x1: x + source.width, y1: y + source.height }, target.width, target.height);
  if (area === null) return;
  const rowBytes = 3 * (area.x1 - area.x0);
  for (let ty = area.y0; ty < area.y1; ty++) {
    const from = 3 * ((ty - y) * source.width + (area.x0 - x));
    target.data.set(source.data.subarray(from, from + rowBytes), 3 * (ty * target.width + area.x0));
  }
}

/** A copy of the pixels of box, which must lie inside the image. */
export function extractRect(image: RgbImage, box: Box): RgbImage {
  const out = rgbImage(box.x1 - box.x0, box.y1 - box.y0);
  const rowBytes = 3 * out.width;
  for (let y = box.y0; y < box.y1; y++) {
    const from = 3 * (y * image.width + box.x0);
    out.data.set(image.data.subarray(from, from + rowBytes), 3 * (y - box.y0) * out.width);
  }
  return out;
}
