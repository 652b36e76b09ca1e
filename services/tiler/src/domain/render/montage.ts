import type { RgbImage } from '../image.js';
import { blit, clipRect, extractRect, filledImage, strokeRect } from './canvas.js';
import { drawText, lineHeight, measureText } from './font.js';
import { cropSquare, markDiameter, udScoreOf } from './geometry.js';
import { jet } from './jet.js';
import { resizeRgb } from './resize.js';
import type { Mark, Rgb } from './types.js';

/** Sizes in px of the montage grid. */
export const MONTAGE = {
  tileSize: 128, // each crop is shown this large
  border: 4, // coloured frame around a tile, by jet(UD)
  gap: 8, // between cells
  margin: 8, // around the grid
  maxColumns: 8,
  textScale: 2, // font pixels per glyph pixel, so a 5 x 7 glyph is 10 x 14
  captionGap: 4, // between a frame and its first caption line, and between lines
} as const;

const BACKGROUND: Rgb = [255, 255, 255];
const TEXT: Rgb = [24, 24, 24];
/** Frame of a lesion without a UD score, and the part of a crop square outside the photo. */
const UNSCORED_FRAME: Rgb = [150, 150, 150];
const OUTSIDE_PHOTO: Rgb = [210, 210, 210];
const EMPTY_CAPTION = 'NO LESIONS';

export interface MontageLayout {
  readonly columns: number;
  readonly rows: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly width: number;
  readonly height: number;
}

/** Grid geometry for `cells` tiles (at least one cell, for the empty montage). */
export function montageLayout(cells: number, captionLines: number): MontageLayout {
  const count = Math.max(1, cells);
  const columns = Math.min(MONTAGE.maxColumns, count);
  const rows = Math.ceil(count / columns);
  const frame = MONTAGE.tileSize + 2 * MONTAGE.border;
  const cellWidth = frame;
  const cellHeight = frame + captionLines * (MONTAGE.captionGap + lineHeight(MONTAGE.textScale));
  return {
    columns,
    rows,
    cellWidth,
    cellHeight,
    width: 2 * MONTAGE.margin + columns * cellWidth + (columns - 1) * MONTAGE.gap,
    height: 2 * MONTAGE.margin + rows * cellHeight + (rows - 1) * MONTAGE.gap,
  };
}

/**
 * The pigmented lesions (final class >= 3, or scored) in montage order: by UD rank, 1 = oddest
 * first, then the unranked ones by diameter, largest first.
 */
export function montageOrder(marks: readonly Mark[]): Mark[] {
  return marks
    .filter((mark) => mark.classIndex >= 3 || udScoreOf(mark) !== null || udRankOf(mark) !== null)
    .sort((a, b) => {
      const rankA = udRankOf(a);
      const rankB = udRankOf(b);
      if (rankA !== rankB) {
        if (rankA === null) return 1;
        if (rankB === null) return -1;
        return rankA - rankB;
      }
      return (udScoreOf(b) ?? -1) - (udScoreOf(a) ?? -1) || markDiameter(b) - markDiameter(a);
    });
}

function udRankOf(mark: Mark): number | null {
  return mark.udRank !== null && Number.isFinite(mark.udRank) ? mark.udRank : null;
}

/** A grid of the lesions' crop squares, framed by jet(UD) and captioned with rank and score. */
export async function composeMontage(photo: RgbImage, marks: readonly Mark[]): Promise<RgbImage> {
  const ordered = montageOrder(marks);
  const labelled = ordered.some((mark) => (mark.label ?? '').trim() !== '');
  const layout = montageLayout(ordered.length, labelled ? 2 : 1);
  const canvas = filledImage(layout.width, layout.height, BACKGROUND);
  if (ordered.length === 0) {
    drawCell(canvas, layout, 0, filledImage(MONTAGE.tileSize, MONTAGE.tileSize, OUTSIDE_PHOTO), UNSCORED_FRAME, [EMPTY_CAPTION]);
    return canvas;
  }
  const tiles = await Promise.all(ordered.map((mark) => cropTile(photo, mark)));
  ordered.forEach((mark, index) => {
    const score = udScoreOf(mark);
    const lines = [caption(mark)];
    if (labelled) lines.push((mark.label ?? '').trim());
    drawCell(canvas, layout, index, tiles[index], score === null ? UNSCORED_FRAME : jet(score), lines);
  });
  return canvas;
}

function caption(mark: Mark): string {
  const score = udScoreOf(mark);
  const rank = udRankOf(mark);
  if (rank !== null && score !== null) return `#${rank} ${score.toFixed(2)}`;
  if (rank !== null) return `#${rank}`;
  if (score !== null) return `UD ${score.toFixed(2)}`;
  return 'UNRANKED';
}

/**
 * The mark's crop square at tile size. The square keeps its shape: the part outside the photo is
 * shown grey rather than stretching the clipped crop, so the lesion stays in the tile's centre.
 */
async function cropTile(photo: RgbImage, mark: Mark): Promise<RgbImage> {
  const size = MONTAGE.tileSize;
  const tile = filledImage(size, size, OUTSIDE_PHOTO);
  const square = cropSquare(mark);
  const inside = square && clipRect(square, photo.width, photo.height);
  if (square === null || inside === null) return tile;
  const scale = size / (square.x1 - square.x0);
  const left = Math.round((inside.x0 - square.x0) * scale);
  const top = Math.round((inside.y0 - square.y0) * scale);
  const width = Math.max(1, Math.min(size - left, Math.round((inside.x1 - inside.x0) * scale)));
  const height = Math.max(1, Math.min(size - top, Math.round((inside.y1 - inside.y0) * scale)));
  blit(tile, await resizeRgb(extractRect(photo, inside), width, height), left, top);
  return tile;
}

function drawCell(canvas: RgbImage, layout: MontageLayout, index: number, tile: RgbImage, frame: Rgb, lines: readonly string[]): void {
  const { border, gap, margin, captionGap, textScale } = MONTAGE;
  const x = margin + (index % layout.columns) * (layout.cellWidth + gap);
  const y = margin + Math.floor(index / layout.columns) * (layout.cellHeight + gap);
  const frameSide = tile.width + 2 * border;
  strokeRect(canvas, { x0: x, y0: y, x1: x + frameSide, y1: y + frameSide }, border, frame);
  blit(canvas, tile, x + border, y + border);
  let lineTop = y + frameSide + captionGap;
  for (const line of lines) {
    const { text, scale } = fitText(line, layout.cellWidth);
    const left = x + Math.floor((layout.cellWidth - measureText(text, scale)) / 2);
    const top = lineTop + Math.floor((lineHeight(textScale) - lineHeight(scale)) / 2);
    drawText(canvas, text, left, top, TEXT, scale);
    lineTop += lineHeight(textScale) + captionGap;
  }
}

/** The caption at the montage's text scale, or at half that scale, shortened to fit if need be. */
function fitText(text: string, width: number): { text: string; scale: number } {
  if (measureText(text, MONTAGE.textScale) <= width) return { text, scale: MONTAGE.textScale };
  const scale = Math.max(1, MONTAGE.textScale / 2);
  let chars = [...text];
  while (chars.length > 0 && measureText(chars.join(''), scale) > width) chars = chars.slice(0, -1);
  return { text: chars.join(''), scale };
}
