import { FRAME_LEFT, type FramedGrey } from './blob-frame.js';
import { scratchInt32 } from './blob-scratch.js';
import { rowWords } from './pixel-words.js';

/**
 * The grey image prepared for every threshold of one detection, in two steps that can each be
 * split between threads by bands of rows:
 * 1. bandChanges: one pass over the pixels lists where each row changes level (the level of a
 *    pixel is the number of cuts it exceeds);
 * 2. layOutBand: the band's rows of every chosen cut, binarised into runs. A binarised row is
 *    fully described by its first pixel's colour and the columns where it switches between
 *    background (grey <= cut) and foreground (grey > cut), so labelling one threshold costs its
 *    own transitions, not the image's pixels.
 */

/** How grey values map to levels for one detection's cuts. */
export interface LevelPlan {
  /** Distinct cuts, ascending; a pixel is foreground at cut index j when grey > cuts[j]. */
  readonly cuts: readonly number[];
  /** Level of each grey value: the number of cuts it exceeds (foreground at j <=> level > j). */
  readonly levelOf: Uint16Array;
  /** A change packs its column and its level into 32 bits: the level takes this many. */
  readonly levelBits: number;
}

/** `cuts` must be distinct, ascending integers in [-1, 255]. */
export function levelPlan(cuts: readonly number[], width: number): LevelPlan {
  const cutCount = cuts.length;
  // 27 bits of column for the usual 26 thresholds, 23 bits at worst (257 cuts).
  const levelBits = 32 - Math.clz32(cutCount);
  const maxWidth = 2 ** (32 - levelBits);
  if (width > maxWidth) throw new RangeError(`blob detection with ${cutCount} thresholds supports images up to ${maxWidth} px wide, got ${width}`);
  const levelOf = new Uint16Array(256);
  for (let g = 0; g < 256; g++) {
    let level = 0;
    while (level < cutCount && g > cuts[level]!) level++;
    levelOf[g] = level;
  }
  return { cuts, levelOf, levelBits };
}

/** The level changes of rows [y0, y1). */
export interface BandChanges {
  readonly y0: number;
  readonly y1: number;
  /** Changes of row y are changes[rowStart[y - y0] .. rowStart[y - y0 + 1]). */
  readonly rowStart: Int32Array;
  /** Each change as x << levelBits | the level from x on, in 32 bits (read x with >>>). */
  readonly changes: Int32Array;
  /** How many changes of the band cross each cut (from a level <= j to one > j or back). */
  readonly crossings: Int32Array;
  /** Whether any pixel of the band has level l, for l in 0..cuts.length. */
  readonly occupied: Uint8Array;
}

/** A bigger array for a band's changes, holding the first `keep` elements of `changes`. */
export type ChangesGrower = (changes: Int32Array, keep: number, length: number) => Int32Array;

/** Room for the changes of `rows` rows of a noisy photo, which changes level at about a tenth of its pixels. */
export function expectedChanges(width: number, rows: number): number {
  return Math.max(4 * width, Math.ceil((width * rows) / 8));
}

/**
 * Step 1 for rows [y0, y1): lists their level changes into `changes` (grown through `grow` when
 * full) and `rowStart` (rows + 1 entries), and writes their first pixels' levels into
 * `rowFirstLevel` (indexed by y).
 */
export function bandChanges(
  frame: FramedGrey,
  plan: LevelPlan,
  y0: number,
  y1: number,
  rowFirstLevel: Uint16Array,
  rowStart: Int32Array,
  changes: Int32Array,
  grow: ChangesGrower,
): BandChanges {
  const listed = levelChanges(frame, plan, y0, y1, rowFirstLevel, rowStart, changes, grow);
  const cutCount = plan.cuts.length;
  const levelMask = (1 << plan.levelBits) - 1;
  // A change from level a to b crosses the cuts min(a, b) .. max(a, b) - 1: count them with a
  // difference array (one increment and one decrement per change, whatever the jump). A
  // change's "from" is the level its predecessor in the row went to, or the row's first level;
  // every pixel's level is one of those, which also says which levels occur.
  const difference = new Int32Array(cutCount + 1);
  const occupied = new Uint8Array(cutCount + 1);
  for (let y = y0; y < y1; y++) {
    let a = rowFirstLevel[y]!;
    occupied[a] = 1;
    for (let c = rowStart[y - y0]!, end = rowStart[y - y0 + 1]!; c < end; c++) {
      const b = listed[c]! & levelMask;
      occupied[b] = 1;
      difference[Math.min(a, b)]!++;
      difference[Math.max(a, b)]!--;
      a = b;
    }
  }
  const crossings = new Int32Array(cutCount);
  for (let j = 0, sum = 0; j < cutCount; j++) crossings[j] = sum += difference[j]!;
  return { y0, y1, rowStart, changes: listed, crossings, occupied };
}

/** One pass over the pixels of rows [y0, y1), listing where the level changes. */
function levelChanges(
  frame: FramedGrey,
  plan: LevelPlan,
  y0: number,
  y1: number,
  rowFirstLevel: Uint16Array,
  rowStart: Int32Array,
  initial: Int32Array,
  grow: ChangesGrower,
): Int32Array {
  const { width, stride, data } = frame;
  const { levelOf, levelBits } = plan;
  let changes = initial;
  const words = rowWords(data, stride);
  const wordsPerRow = width >> 2;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    rowStart[y - y0] = count;
    if (count + width > changes.length) changes = grow(changes, count, Math.max(changes.length * 2, count + width));
    const src = (y + 1) * stride + FRAME_LEFT;
    let previous = levelOf[data[src]!]!;
    rowFirstLevel[y] = previous;
    // Branch-free: noise makes "did the level change" unpredictable, so always write and
    // advance only on a change (the sign bit of (a - b) | (b - a) is set iff a !== b). The
    // first pixel compares with itself and is never a change. One store per pixel: x and the
    // level share a word.
    let x = 0;
    if (words !== null) {
      for (let k = src >> 2, end = k + wordsPerRow; k < end; k++, x += 4) {
        const word = words[k]!;
        let level = levelOf[word & 255]!;
        changes[count] = (x << levelBits) | level;
        count += ((level - previous) | (previous - level)) >>> 31;
        previous = level;
        level = levelOf[(word >>> 8) & 255]!;
        changes[count] = ((x + 1) << levelBits) | level;
        count += ((level - previous) | (previous - level)) >>> 31;
        previous = level;
        level = levelOf[(word >>> 16) & 255]!;
        changes[count] = ((x + 2) << levelBits) | level;
        count += ((level - previous) | (previous - level)) >>> 31;
        previous = level;
        level = levelOf[word >>> 24]!;
        changes[count] = ((x + 3) << levelBits) | level;
        count += ((level - previous) | (previous - level)) >>> 31;
        previous = level;
      }
    }
    for (; x < width; x++) {
      const level = levelOf[data[src + x]!]!;
      changes[count] = (x << levelBits) | level;
      count += ((level - previous) | (previous - level)) >>> 31;
      previous = level;
    }
  }
  rowStart[y1 - y0] = count;
  return changes;
}

/**
 * Runs of the cuts step 2 laid out: on one thread, kept scratch memory valid until that thread
 * lays out runs again; split between threads, memory the detection shares.
 */
export interface BlobField {
  readonly width: number;
  readonly height: number;
  readonly frame: FramedGrey;
  readonly cuts: readonly number[];
  /** Level of each row's first pixel. */
  readonly rowFirstLevel: Uint16Array;
  /**
   * Run starts, cut by cut, row by row, each row framed by sentinels: 0, the columns where the
   * colour switches, then `width`. Run k of a row covers [runX[k], runX[k + 1]).
   */
  readonly runX: Int32Array;
  /**
   * Row y of a laid-out cut j occupies runX[rowStart[j * (height + 1) + y] ..
   * rowStart[j * (height + 1) + y + 1]); other cuts' entries are meaningless.
   */
  readonly rowStart: Int32Array;
  /** The cut indices laid out (those a labeller may be asked for). */
  readonly laidOut: readonly number[];
}

/** Where each band writes each cut's runs in a runX shared by the bands. */
export interface RunLayout {
  /** Entries of runX the laid-out cuts fill; runX needs `total + bands` (one spare slot per band). */
  readonly total: number;
  /** Per band, per cut index: where the band's first entry of that cut goes (its spare slot for cuts not laid out). */
  readonly write: Int32Array[];
  /** Per cut index: 1 when laid out, else 0. */
  readonly step: Int32Array;
}

/**
 * Step 2's plan: the cuts in `laidOut` one after another in runX, each cut's rows top to bottom,
 * so that each band writes its part of every cut without waiting for another band.
 */
export function planRunLayout(bands: readonly Pick<BandChanges, 'y0' | 'y1' | 'crossings'>[], cutCount: number, laidOut: readonly number[]): RunLayout {
  const step = new Int32Array(cutCount);
  for (const j of laidOut) step[j] = 1;
  const write = bands.map(() => new Int32Array(cutCount));
  let total = 0;
  for (const j of [...laidOut].sort((a, b) => a - b)) {
    bands.forEach((band, b) => {
      write[b]![j] = total;
      // Each row adds its two sentinels.
      total += band.crossings[j]! + 2 * (band.y1 - band.y0);
    });
  }
  // Changes crossing a cut not laid out go to the band's spare slot past the end and stay
  // there: a step of 0 instead of a branch the noise would make unpredictable.
  write.forEach((offsets, b) => {
    for (let j = 0; j < cutCount; j++) if (step[j] === 0) offsets[j] = total + b;
  });
  return { total, write, step };
}

/**
 * Step 2 for one band: writes its rows of every laid-out cut into `runX` and their starts into
 * `rowStart` (cut j's row y at j * (height + 1) + y), as `layout` planned; the last band also
 * writes each cut's end. `write` is the layout's offsets for this band, used up in the process.
 */
export function layOutBand(
  band: BandChanges,
  plan: LevelPlan,
  width: number,
  height: number,
  rowFirstLevel: Uint16Array,
  laidOut: readonly number[],
  write: Int32Array,
  step: Int32Array,
  runX: Int32Array,
  rowStart: Int32Array,
): void {
  const rowsPlusOne = height + 1;
  const levelMask = (1 << plan.levelBits) - 1;
  const levelBits = plan.levelBits;
  const chosen = Int32Array.from(laidOut);
  const { changes, rowStart: changeStart, y0, y1 } = band;
  for (let y = y0; y < y1; y++) {
    for (let i = 0; i < chosen.length; i++) {
      const j = chosen[i]!;
      rowStart[j * rowsPlusOne + y] = write[j]!;
      runX[write[j]!++] = 0;
    }
    let a = rowFirstLevel[y]!;
    for (let c = changeStart[y - y0]!, end = changeStart[y - y0 + 1]!; c < end; c++) {
      const packed = changes[c]!;
      const b = packed & levelMask;
      const x = packed >>> levelBits;
      const low = Math.min(a, b);
      const high = Math.max(a, b);
      let w = write[low]!;
      runX[w] = x;
      write[low] = w + step[low]!;
      // Rarely, a jump over several levels crosses further cuts.
      for (let j = low + 1; j < high; j++) {
        w = write[j]!;
        runX[w] = x;
        write[j] = w + step[j]!;
      }
      a = b;
    }
    for (let i = 0; i < chosen.length; i++) runX[write[chosen[i]!]!++] = width;
  }
  if (y1 === height) for (const j of chosen) rowStart[j * rowsPlusOne + height] = write[j]!;
}

/** Step 2 on one thread: the runs of the cut indices in `laidOut`, from bands covering the image top to bottom. */
export function layOutRuns(frame: FramedGrey, plan: LevelPlan, bands: readonly BandChanges[], rowFirstLevel: Uint16Array, laidOut: readonly number[]): BlobField {
  const { width, height } = frame;
  const layout = planRunLayout(bands, plan.cuts.length, laidOut);
  const runX = scratchInt32('runX', layout.total + bands.length);
  const rowStart = new Int32Array(plan.cuts.length * (height + 1));
  bands.forEach((band, b) => layOutBand(band, plan, width, height, rowFirstLevel, laidOut, layout.write[b]!, layout.step, runX, rowStart));
  return { width, height, frame, cuts: plan.cuts, rowFirstLevel, runX, rowStart, laidOut };
}
