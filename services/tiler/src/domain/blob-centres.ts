import { ContourBuffer, followBorder } from './blob-contour.js';
import type { BlobField } from './blob-field.js';
import { FRAME_LEFT, frameGrey, type FramedGrey } from './blob-frame.js';
import type { BlobParams } from './blob-params.js';
import type { RegionLabeller } from './blob-regions.js';
import { closedArcLength, contourMoments, convexHullArea, inertiaRatio, medianDistance, ShapeScratch } from './blob-shape.js';
import { greyImage } from './image.js';

/** One blob of one binarised image (SimpleBlobDetector's "center"). */
export interface BlobCentre {
  x: number;
  y: number;
  radius: number;
  /** Squared inertia ratio: how much this centre weighs in its group's mean position. */
  confidence: number;
  /** Contour area, px^2. */
  area: number;
}

// Finding is synchronous and never nested, so every finder of this thread can share these.
const sharedContour = new ContourBuffer();
const sharedShapeScratch = new ShapeScratch();

/** Reusable state for finding the centres of every threshold of one image. */
export class CentreFinder {
  private readonly field: BlobField;
  private readonly labeller: RegionLabeller;
  private readonly params: BlobParams;
  private readonly contour = sharedContour;
  private readonly scratch = sharedShapeScratch;
  /** At cut -1 every pixel is foreground: an image of 255 in the same frame stands in for it. */
  private allForeground: FramedGrey | undefined;

  constructor(field: BlobField, labeller: RegionLabeller, params: BlobParams) {
    this.field = field;
    this.labeller = labeller;
    this.params = params;
  }

  /** Centres at cut index `cutIndex`, in the order findContours(RETR_LIST) lists their contours. */
  find(cutIndex: number): BlobCentre[] {
    const { width } = this.field;
    const cut = this.field.cuts[cutIndex]!;
    const p = this.params;
    const regions = this.labeller.label(cutIndex, p.minArea);
    const image = cut < 0 ? this.allForegroundImage() : this.field.frame;
    const traceCut = Math.max(cut, 0);
    const centres: BlobCentre[] = [];
    // findContours lists contours in reverse order of discovery.
    for (let i = regions.count - 1; i >= 0; i--) {
      if (i === regions.frameRing && !this.passesArea((width - 1) * (this.field.height - 1))) continue;
      const maxPoints = perimeterLimit(Math.min(regions.bound[i]!, p.maxArea), p.minCircularity);
      const traced = followBorder(image, regions.startX[i]!, regions.startY[i]!, regions.hole[i] === 1, traceCut, maxPoints, this.contour);
      if (!traced) continue;
      const centre = this.measure(cut);
      if (centre !== null) centres.push(centre);
    }
    return centres;
  }

  private allForegroundImage(): FramedGrey {
    const { width, height } = this.field;
    this.allForeground ??= frameGrey(greyImage(width, height, new Uint8Array(width * height).fill(255)));
    return this.allForeground;
  }

  private passesArea(area: number): boolean {
    const p = this.params;
    return !(area === 0 || area < p.minArea || area >= p.maxArea);
  }

  /** SimpleBlobDetector's filters, cheapest first; every one must pass, so the order is free. */
  private measure(cut: number): BlobCentre | null {
    const p = this.params;
    const contour = this.contour;
    const moments = contourMoments(contour);
    const area = moments.m00;
    if (!this.passesArea(area)) return null;

    const perimeter = closedArcLength(contour);
    const circularity = (4 * Math.PI * area) / (perimeter * perimeter);
    if (circularity < p.minCircularity || circularity >= p.maxCircularity) return null;

    const inertia = inertiaRatio(moments);
    if (inertia < p.minInertiaRatio || inertia >= p.maxInertiaRatio) return null;

    const x = moments.m10 / moments.m00;
    const y = moments.m01 / moments.m00;
    const { stride, data } = this.field.frame;
    const binary = data[(roundHalfEven(y) + 1) * stride + FRAME_LEFT + roundHalfEven(x)]! > cut ? 255 : 0;
    if (binary !== p.blobColor) return null;

    const hullArea = convexHullArea(contour, this.scratch);
    if (Math.abs(hullArea) < Number.EPSILON) return null;
    const convexity = area / hullArea;
    if (convexity < p.minConvexity || convexity >= p.maxConvexity) return null;

    return { x, y, radius: medianDistance(contour, x, y, this.scratch), confidence: inertia * inertia, area };
  }
}

/**
 * Border following can stop early once the circularity filter must fail: every step is at least
 * 1 px long, so n points make a perimeter >= n, and circularity = 4 pi A / P^2 with A below
 * maxArea (else the area filter fails) and at most the region's bound. One extra point absorbs
 * rounding.
 */
function perimeterLimit(areaBound: number, minCircularity: number): number {
  if (!(minCircularity > 0)) return Number.MAX_SAFE_INTEGER;
  return Math.ceil(Math.sqrt((4 * Math.PI * Math.max(areaBound, 0)) / minCircularity)) + 1;
}

/** cvRound: nearest integer, ties to even (the FPU's default rounding mode). */
function roundHalfEven(value: number): number {
  const r = Math.round(value);
  return r - value === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
