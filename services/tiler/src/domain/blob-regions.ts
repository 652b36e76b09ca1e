import type { BlobField } from './blob-field.js';

/**
 * The regions whose borders OpenCV's findContours (Suzuki-Abe border following, RETR_LIST)
 * returns for one binarised image, found by run-length labelling instead of a pixel scan.
 *
 * Suzuki-Abe gives a one-to-one map between borders and components, with foreground
 * (pixel > cut) 8-connected and background 4-connected, and the image framed by background:
 * - every foreground component has one outer border, traced from its first pixel in raster order;
 * - every background component not connected to the frame (a hole) has one hole border, traced
 *   from the foreground pixel left of the hole's first pixel.
 * findContours discovers both at the raster position of that first pixel, and RETR_LIST returns
 * them in reverse order of discovery: the order matters because blob grouping is order dependent.
 * Regions are listed here in discovery order.
 *
 * Only regions whose contour area can reach `minArea` are reported: the contour runs through
 * pixel centres, so an outer contour lies within its component's pixel bounding box and a hole
 * contour within the hole's box grown by one pixel.
 */
export interface RegionList {
  count: number;
  /** Where border following starts. */
  startX: Int32Array;
  startY: Int32Array;
  hole: Uint8Array;
  /** Upper bound of the contour's area, px^2. */
  bound: Float64Array;
}

/**
 * Run-length union-find. A row's runs tile it and alternate in colour, so a run is stored as its
 * first column only: its end is the next entry's start (each row ends with an entry at `width`)
 * and its colour follows from the row's first pixel and its position. Components carry their
 * bounding box at their root, which is always their first run; a single-run component has none
 * until it is joined (maxY = -1), which spares writing a box for every speck of noise.
 */
export class RegionLabeller {
  private readonly field: BlobField;
  /** Entries of row y are [rowRuns[y], rowRuns[y + 1]); the last one is the row-end sentinel. */
  private readonly rowRuns: Int32Array;
  private readonly rowFg: Uint8Array;
  private readonly runX: Int32Array;
  private readonly parent: Int32Array;
  /** -1 for background connected to the image frame: outside, not a hole. */
  private readonly minX: Int32Array;
  private readonly maxX: Int32Array;
  private readonly maxY: Int32Array;
  private readonly regions: RegionList;

  constructor(field: BlobField) {
    this.field = field;
    const capacity = field.maxRuns + field.height;
    this.rowRuns = new Int32Array(field.height + 1);
    this.rowFg = new Uint8Array(field.height);
    this.runX = new Int32Array(capacity);
    this.parent = new Int32Array(capacity);
    this.minX = new Int32Array(capacity);
    this.maxX = new Int32Array(capacity);
    this.maxY = new Int32Array(capacity);
    const initial = 256;
    this.regions = {
      count: 0,
      startX: new Int32Array(initial),
      startY: new Int32Array(initial),
      hole: new Uint8Array(initial),
      bound: new Float64Array(initial),
    };
  }

  /** Regions at cut index `cutIndex` (foreground: level > cutIndex). The list is reused between calls. */
  label(cutIndex: number, minArea: number): RegionList {
    this.buildRuns(cutIndex);
    this.connectRows();
    return this.collect(minArea);
  }

  private buildRuns(cutIndex: number): void {
    const { width, height, rowFirstLevel, crossingX, crossingStart } = this.field;
    const { rowRuns, rowFg, runX, parent, maxY } = this;
    const base = cutIndex * (height + 1);
    let n = 0;
    for (let y = 0; y < height; y++) {
      rowRuns[y] = n;
      rowFg[y] = rowFirstLevel[y]! > cutIndex ? 1 : 0;
      runX[n] = 0;
      parent[n] = n;
      maxY[n] = -1;
      n++;
      for (let c = crossingStart[base + y]!, end = crossingStart[base + y + 1]!; c < end; c++) {
        runX[n] = crossingX[c]!;
        parent[n] = n;
        maxY[n] = -1;
        n++;
      }
      runX[n] = width;
      n++;
    }
    rowRuns[height] = n;
  }

  /** Unions runs of consecutive rows: foreground 8-connected, background 4-connected. */
  private connectRows(): void {
    const { height } = this.field;
    const { rowRuns, rowFg, runX } = this;
    for (let y = 1; y < height; y++) {
      const prevStart = rowRuns[y - 1]!;
      const prevEnd = rowRuns[y]! - 1;
      const curStart = rowRuns[y]!;
      const curEnd = rowRuns[y + 1]! - 1;
      const prevFg = rowFg[y - 1]!;
      let af = rowFg[y]!;
      let p = prevStart;
      for (let a = curStart; a < curEnd; a++, af ^= 1) {
        const ax0 = runX[a]!;
        const ax1 = runX[a + 1]!;
        // Previous-row runs ending two or more pixels left of `a` touch neither it nor later runs.
        while (runX[p + 1]! < ax0) p++;
        // Colours alternate along a row: same-colour neighbours are every other run.
        let q = (prevFg ^ ((p - prevStart) & 1)) === af ? p : p + 1;
        // `a` is still its own root: only this loop links it.
        let root = a;
        if (af === 1) {
          // Foreground is 8-connected: a diagonal touch (ends one column apart) joins.
          for (; q < prevEnd && runX[q]! <= ax1; q += 2) root = this.link(root, q, y, 1);
        } else {
          // Background is 4-connected: it needs a shared column.
          for (; q < prevEnd && runX[q]! < ax1; q += 2) if (runX[q + 1]! > ax0) root = this.link(root, q, y, 0);
        }
      }
    }
  }

  /**
   * Joins run q (row y - 1) to the component rooted at `root` (a run of row y, or a root whose
   * box is set), linking the later root under the earlier one; returns the joint root.
   */
  private link(root: number, q: number, y: number, fg: number): number {
    const { parent, minX, maxX, maxY } = this;
    let other = q;
    while (parent[other] !== other) {
      const grand = parent[parent[other]!]!;
      parent[other] = grand;
      other = grand;
    }
    if (other === root) return root;
    // Only a run that has never been joined lacks a box, and it is then its own root.
    if (maxY[root]! < 0) this.setRunBox(root, y, fg);
    if (maxY[other]! < 0) this.setRunBox(other, y - 1, fg);
    let keep = root;
    let gone = other;
    if (other < root) {
      keep = other;
      gone = root;
    }
    parent[gone] = keep;
    if (minX[gone]! < minX[keep]!) minX[keep] = minX[gone]!;
    if (maxX[gone]! > maxX[keep]!) maxX[keep] = maxX[gone]!;
    if (maxY[gone]! > maxY[keep]!) maxY[keep] = maxY[gone]!;
    return keep;
  }

  private setRunBox(run: number, y: number, fg: number): void {
    const x0 = this.runX[run]!;
    const x1 = this.runX[run + 1]!;
    this.minX[run] = fg === 0 && this.touchesFrame(x0, x1, y) ? -1 : x0;
    this.maxX[run] = x1 - 1;
    this.maxY[run] = y;
  }

  private touchesFrame(x0: number, x1: number, y: number): boolean {
    const { width, height } = this.field;
    return x0 === 0 || x1 === width || y === 0 || y === height - 1;
  }

  /** The roots whose bound reaches minArea, in run (discovery) order. */
  private collect(minArea: number): RegionList {
    const { height } = this.field;
    const { rowRuns, rowFg, runX, parent, minX, maxX, maxY } = this;
    const regions = this.regions;
    regions.count = 0;
    for (let y = 0; y < height; y++) {
      let fg = rowFg[y]!;
      for (let r = rowRuns[y]!, end = rowRuns[y + 1]! - 1; r < end; r++, fg ^= 1) {
        if (parent[r] !== r) continue;
        const x0 = runX[r]!;
        const joined = maxY[r]! >= 0;
        const w = joined ? maxX[r]! - minX[r]! : runX[r + 1]! - 1 - x0;
        const h = joined ? maxY[r]! - y : 0;
        if (fg === 1) {
          const bound = w * h;
          if (bound >= minArea) this.push(x0, y, 0, bound);
        } else {
          const framed = joined ? minX[r] === -1 : this.touchesFrame(x0, runX[r + 1]!, y);
          const bound = (w + 2) * (h + 2);
          if (!framed && bound >= minArea) this.push(x0 - 1, y, 1, bound);
        }
      }
    }
    return regions;
  }

  private push(startX: number, startY: number, hole: number, bound: number): void {
    const regions = this.regions;
    if (regions.count === regions.startX.length) {
      const capacity = regions.count * 2;
      regions.startX = grow(regions.startX, new Int32Array(capacity));
      regions.startY = grow(regions.startY, new Int32Array(capacity));
      regions.hole = grow(regions.hole, new Uint8Array(capacity));
      regions.bound = grow(regions.bound, new Float64Array(capacity));
    }
    const i = regions.count++;
    regions.startX[i] = startX;
    regions.startY[i] = startY;
    regions.hole[i] = hole;
    regions.bound[i] = bound;
  }
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
