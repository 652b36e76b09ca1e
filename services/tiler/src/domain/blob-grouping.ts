import type { BlobCentre } from './blob-centres.js';

/** A detected blob: the group's weighted centre and its middle member's size, px. */
export interface Blob {
  x: number;
  y: number;
  diameter: number;
  /** Contour area of the group's middle member, px^2. */
  area: number;
}

/**
 * SimpleBlobDetector's grouping of centres across thresholds. Each group is kept sorted by
 * radius and represented by its middle member. A new centre joins the first group (in creation
 * order) whose middle member is closer than minDistBetweenBlobs and closer than either radius;
 * otherwise it starts a group, which only centres of later thresholds can join.
 */
export class CentreGrouper {
  private readonly minDistance: number;
  private readonly minRepeatability: number;
  private readonly groups: BlobCentre[][] = [];
  // The middle members' positions and radii, flat for the all-groups scan of every centre.
  private middleX: Float64Array = new Float64Array(256);
  private middleY: Float64Array = new Float64Array(256);
  private middleRadius: Float64Array = new Float64Array(256);

  constructor(minDistBetweenBlobs: number, minRepeatability: number) {
    this.minDistance = minDistBetweenBlobs;
    this.minRepeatability = minRepeatability;
  }

  /** Adds one threshold's centres, in findContours' order. */
  add(centres: readonly BlobCentre[]): void {
    const existing = this.groups.length;
    const fresh: BlobCentre[][] = [];
    for (const centre of centres) {
      const j = this.firstMatch(centre, existing);
      if (j < 0) {
        fresh.push([centre]);
        continue;
      }
      const group = this.groups[j]!;
      let k = group.length;
      group.push(centre);
      // Equal radii keep their arrival order.
      while (k > 0 && centre.radius < group[k - 1]!.radius) {
        group[k] = group[k - 1]!;
        k--;
      }
      group[k] = centre;
      this.setMiddle(j);
    }
    for (const group of fresh) {
      this.groups.push(group);
      this.setMiddle(this.groups.length - 1);
    }
  }

  /** Groups seen at least minRepeatability times, as confidence-weighted centres. */
  blobs(): Blob[] {
    const blobs: Blob[] = [];
    for (const group of this.groups) {
      if (group.length < this.minRepeatability) continue;
      let sumX = 0;
      let sumY = 0;
      let normaliser = 0;
      for (const c of group) {
        sumX += c.confidence * c.x;
        sumY += c.confidence * c.y;
        normaliser += c.confidence;
      }
      const scale = 1 / normaliser;
      const middle = group[group.length >> 1]!;
      // OpenCV's KeyPoint holds single-precision coordinates and size.
      blobs.push({
        x: Math.fround(sumX * scale),
        y: Math.fround(sumY * scale),
        diameter: Math.fround(Math.fround(middle.radius) * 2),
        area: middle.area,
      });
    }
    return blobs;
  }

  private firstMatch(centre: BlobCentre, groupCount: number): number {
    const { middleX, middleY, middleRadius, minDistance } = this;
    for (let j = 0; j < groupCount; j++) {
      const dx = middleX[j]! - centre.x;
      const dy = middleY[j]! - centre.y;
      const distance = Math.sqrt(dx * dx + dy * dy);
      if (!(distance >= minDistance && distance >= middleRadius[j]! && distance >= centre.radius)) return j;
    }
    return -1;
  }

  private setMiddle(j: number): void {
    if (j >= this.middleX.length) {
      const capacity = this.middleX.length * 2;
      this.middleX = copyInto(this.middleX, capacity);
      this.middleY = copyInto(this.middleY, capacity);
      this.middleRadius = copyInto(this.middleRadius, capacity);
    }
    const group = this.groups[j]!;
    const middle = group[group.length >> 1]!;
    this.middleX[j] = middle.x;
    this.middleY[j] = middle.y;
    this.middleRadius[j] = middle.radius;
  }
}

function copyInto(array: Float64Array, capacity: number): Float64Array {
  const bigger = new Float64Array(capacity);
  bigger.set(array);
  return bigger;
}
