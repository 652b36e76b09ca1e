import type { BlobField } from './blob-field.js';
import { identityInt32, scratchInt32 } from './blob-scratch.js';

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
  /**
   * Index of the region that is a foreground component holding every pixel of the image's
   * border, or -1. Its outer contour runs along those pixels: the rectangle through the corner
   * pixels' centres, of area (width - 1) x (height - 1), known without following it.
   */
  frameRing: number;
}

/**
 * Run-length union-find over the runs the field lists for one cut. A run is stored as its first
 * column only: its end is the next entry's start (each row ends with a sentinel at `width`) and
 * its colour follows from the row's first pixel and its position. Runs are numbered in raster
 * order and a component's root is always its first run, so the roots in run order are the
 * components in discovery order. Roots carry their component's bounding box; a single-run
 * component has none until it is joined (maxY = -1), which spares writing a box for every speck
 * of noise.
 */
export class RegionLabeller {
  private readonly field: BlobField;
  private readonly parent: Int32Array;
  /** -1 for background connected to the image frame: outside, not a hole. */
  private readonly minX: Int32Array;
  private readonly maxX: Int32Array;
  private readonly maxY: Int32Array;
  /** Runs that joined no run of the row above: every root is one of them, in run order. */
  private readonly starts: Int32Array;
  /** Row and colour of each start: y << 1 | foreground. */
  private readonly startRows: Int32Array;
  private startCount = 0;
  private readonly regions: RegionList;

  constructor(field: BlobField) {
    this.field = field;
    const { rowStart, height } = field;
    let capacity = 0;
    for (const j of field.laidOut) {
      capacity = Math.max(capacity, rowStart[j * (height + 1) + height]! - rowStart[j * (height + 1)]!);
    }
    this.parent = scratchInt32('parent', capacity);
    this.minX = scratchInt32('minX', capacity);
    this.maxX = scratchInt32('maxX', capacity);
    this.maxY = scratchInt32('maxY', capacity);
    this.starts = scratchInt32('starts', capacity);
    this.startRows = scratchInt32('startRows', capacity);
    const initial = 256;
    this.regions = {
      count: 0,
      startX: new Int32Array(initial),
      startY: new Int32Array(initial),
      hole: new Uint8Array(initial),
      bound: new Float64Array(initial),
      frameRing: -1,
    };
  }

  /** Regions at cut index `cutIndex` (foreground: level > cutIndex), a cut the field laid out. The list is reused between calls. */
  label(cutIndex: number, minArea: number): RegionList {
    const { height, rowStart } = this.field;
    const base = cutIndex * (height + 1);
    const from = rowStart[base]!;
    const entries = rowStart[base + height]! - from;
    const runX = this.field.runX.subarray(from, from + entries);
    // Every run its own root, none with a box; sentinels get entries too, never read.
    this.parent.set(identityInt32(entries));
    this.maxY.fill(-1, 0, entries);
    const rows = rowStart.subarray(base, base + height + 1);
    this.startCount = this.connectRows(runX, cutIndex, rows);
    const regions = this.collect(runX, minArea);
    regions.frameRing = regions.count > 0 && regions.startX[0] === 0 && regions.startY[0] === 0 && this.holdsImageBorder(cutIndex, rows) ? 0 : -1;
    return regions;
  }

  /**
   * Whether the component of run 0 (the first pixel) is foreground and holds every pixel of the
   * image's border: the first and last rows are one foreground run each, and every row starts
   * and ends with a foreground run of that component.
   */
  private holdsImageBorder(cutIndex: number, rows: Int32Array): boolean {
    const { height, rowFirstLevel } = this.field;
    const from = rows[0]!;
    const runsIn = (y: number): number => rows[y + 1]! - rows[y]! - 1;
    if (runsIn(0) !== 1 || runsIn(height - 1) !== 1) return false;
    for (let y = 0; y < height; y++) {
      const runs = runsIn(y);
      // Colours alternate, so the last run has the first one's colour when the count is odd.
      if (rowFirstLevel[y]! <= cutIndex || runs % 2 === 0) return false;
      const first = rows[y]! - from;
      if (this.root(first) !== 0 || this.root(first + runs - 1) !== 0) return false;
    }
    return true;
  }

  private root(run: number): number {
    let r = run;
    while (this.parent[r] !== r) r = this.parent[r]!;
    return r;
  }

  /**
   * Unites the runs of each row with those of the row above, foreground 8-connected and
   * background 4-connected, and lists the starts; returns how many. `rows` holds the rows'
   * first entries in the field's runX, followed by the end. One function with the arrays in
   * locals: this loop runs once per run of every cut.
   */
  private connectRows(runX: Int32Array, cutIndex: number, rows: Int32Array): number {
    const { width, height, rowFirstLevel } = this.field;
    const { parent, minX, maxX, maxY, starts, startRows } = this;
    const from = rows[0]!;
    let count = 0;
    let start = 0;
    let end = rows[1]! - from;
    let fg = rowFirstLevel[0]! > cutIndex ? 1 : 0;
    for (let r = start, colour = fg; r < end - 1; r++, colour ^= 1) {
      starts[count] = r;
      startRows[count] = colour;
      count++;
    }
    for (let y = 1; y < height; y++) {
      const prevStart = start;
      const prevLast = end - 1;
      const prevFg = fg;
      start = end;
      end = rows[y + 1]! - from;
      fg = rowFirstLevel[y]! > cutIndex ? 1 : 0;
      const last = end - 1;
      const bottomRow = y === height - 1;
      let p = prevStart;
      let af = fg;
      for (let a = start; a < last; a++, af ^= 1) {
        const ax0 = runX[a]!;
        const ax1 = runX[a + 1]!;
        // Previous-row runs ending two or more pixels left of `a` touch neither it nor later runs.
        while (runX[p + 1]! < ax0) p++;
        // Colours alternate along a row: same-colour neighbours are every other run.
        let q = (prevFg ^ ((p - prevStart) & 1)) === af ? p : p + 1;
        // Foreground is 8-connected: a run starting one column past `a` still touches it
        // diagonally. Background is 4-connected: it needs a shared column, which the first
        // candidate (the only one that can end at or before ax0) may lack.
        const reach = ax1 + af;
        if (af === 0 && q < prevLast && runX[q + 1]! <= ax0) q += 2;
        // While a has joined nothing its root is -1. Roots of earlier rows have smaller indices,
        // so a first join hangs a under q's root, and later ones keep the earlier root.
        let root = -1;
        for (; q < prevLast && runX[q]! < reach; q += 2) {
          let other = q;
          while (parent[other] !== other) {
            const grand = parent[parent[other]!]!;
            parent[other] = grand;
            other = grand;
          }
          if (other === root) continue;
          // Only a run that has never been joined lacks a box, and it is then its own root.
          if (maxY[other]! < 0) {
            const qx0 = runX[q]!;
            const qx1 = runX[q + 1]!;
            minX[other] = af === 0 && (qx0 === 0 || qx1 === width || y === 1) ? -1 : qx0;
            maxX[other] = qx1 - 1;
            maxY[other] = y - 1;
          }
          if (root < 0) {
            parent[a] = other;
            const left = af === 0 && (ax0 === 0 || ax1 === width || bottomRow) ? -1 : ax0;
            if (left < minX[other]!) minX[other] = left;
            if (ax1 - 1 > maxX[other]!) maxX[other] = ax1 - 1;
            maxY[other] = y;
            root = other;
            continue;
          }
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
          root = keep;
        }
        if (root < 0) {
          starts[count] = a;
          startRows[count] = (y << 1) | af;
          count++;
        }
      }
    }
    return count;
  }

  /** Whether a background run [x0, x1) of row y touches the image frame. */
  private touchesFrame(x0: number, x1: number, y: number): boolean {
    const { width, height } = this.field;
    return x0 === 0 || x1 === width || y === 0 || y === height - 1;
  }

  /** The roots whose bound reaches minArea, in run (discovery) order. */
  private collect(runX: Int32Array, minArea: number): RegionList {
    const { parent, minX, maxX, maxY, starts, startRows } = this;
    const regions = this.regions;
    regions.count = 0;
    for (let k = 0; k < this.startCount; k++) {
      const r = starts[k]!;
      if (parent[r] !== r) continue;
      const y = startRows[k]! >> 1;
      const fg = startRows[k]! & 1;
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
