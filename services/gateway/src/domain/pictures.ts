import { CLASS_NAMES, isPigmented, NSPL_B, SPL } from './classes.js';
import type { LesionReport } from './analysis.js';

export const PICTURE_KINDS = ['boxes', 'heatmap', 'montage'] as const;
export type PictureKindName = (typeof PICTURE_KINDS)[number];

/** One mark for the tiler's Render (structurally its Mark message). */
export interface MarkSpec {
  readonly x: number;
  readonly y: number;
  readonly diameter: number;
  readonly classIndex: number;
  readonly hasUd: boolean;
  readonly udScore: number;
  /** 1 = oddest; 0 = unranked. */
  readonly udRank: number;
  readonly label: string;
}

/**
 * The marks one picture of one photo needs (pipeline.md step 9): boxes are drawn for classes 4
 * and 5 only; the heat map and the montage show the pigmented lesions. Filtering here keeps the
 * render request small when a photo has hundreds of skin candidates.
 */
export function marksFor(kind: PictureKindName, lesions: readonly LesionReport[], photo: number): MarkSpec[] {
  const wanted = (classIndex: number) => (kind === 'boxes' ? classIndex === NSPL_B || classIndex === SPL : isPigmented(classIndex));
  const marks: MarkSpec[] = [];
  for (const lesion of lesions) {
    if (lesion.photo !== photo) continue;
    const classIndex = CLASS_NAMES.indexOf(lesion.class);
    if (!wanted(classIndex)) continue;
    marks.push({
      x: lesion.x,
      y: lesion.y,
      diameter: lesion.diameter,
      classIndex,
      hasUd: lesion.udScore !== null,
      udScore: lesion.udScore ?? 0,
      udRank: lesion.udRank ?? 0,
      label: lesion.id,
    });
  }
  return marks;
}
