import type { GreyImage } from './image.js';

/**
 * The grey image prepared once for every threshold of one detection: for each cut, where each
 * row switches between background (grey <= cut) and foreground (grey > cut). A binarised row is
 * fully described by its first pixel and these positions, so labelling one threshold costs its
 * own transitions, not the image's pixels.
 */
export interface BlobField {
  readonly width: number;
  readonly height: number;
  readonly grey: Uint8Array;
  /** Distinct cuts, ascending; a pixel is foreground at cut index j when grey > cuts[j]. */
  readonly cuts: readonly number[];
  /** Level of each row's first pixel: the number of cuts it exceeds (foreground at j <=> level > j). */
  readonly rowFirstLevel: Uint16Array;
  /** Crossing x positions, cut by cut, row by row. */
  readonly crossingX: Int32Array;
  /** Crossings of cut j in row y: crossingX[crossingStart[j * (height + 1) + y] .. [... + y + 1]). */
  readonly crossingStart: Int32Array;
  /** The most runs any cut produces (crossings + one per row). */
  readonly maxRuns: number;
}

/** `cuts` must be distinct, ascending integers in [-1, 255]. */
export function prepareBlobField(image: GreyImage, cuts: readonly number[]): BlobField {
  const { width, height, data } = image;
  if (width < 1 || height < 1) throw new RangeError(`blob detection needs a non-empty image, got ${width}x${height}`);
  if (data.length !== width * height) throw new RangeError(`grey image ${width}x${height} needs ${width * height} bytes, got ${data.length}`);

  const levelOf = new Uint16Array(256);
  for (let g = 0; g < 256; g++) {
    let level = 0;
    while (level < cuts.length && g > cuts[level]!) level++;
    levelOf[g] = level;
  }

  const rowFirstLevel = new Uint16Array(height);
  const changes = levelChanges(data, width, height, levelOf, rowFirstLevel);

  const cutCount = cuts.length;
  const rowsPlusOne = height + 1;
  const { rowStart, x: changeX, levels } = changes;
  // A change from level a to b crosses the cuts min(a, b) .. max(a, b) - 1: count them with a
  // difference array (one increment and one decrement per change, whatever the jump).
  const difference = new Int32Array(cutCount + 1);
  for (let c = 0; c < changes.count; c++) {
    const a = levels[c]! >> LEVEL_BITS;
    const b = levels[c]! & LEVEL_MASK;
    difference[Math.min(a, b)]!++;
    difference[Math.max(a, b)]!--;
  }
  const write = new Int32Array(cutCount);
  let total = 0;
  let perCut = 0;
  let maxRuns = height;
  for (let j = 0; j < cutCount; j++) {
    perCut += difference[j]!;
    write[j] = total;
    total += perCut;
    maxRuns = Math.max(maxRuns, perCut + height);
  }
  const crossingX = new Int32Array(total);
  const crossingStart = new Int32Array(cutCount * rowsPlusOne);
  for (let y = 0; y <= height; y++) {
    for (let j = 0; j < cutCount; j++) crossingStart[j * rowsPlusOne + y] = write[j]!;
    if (y === height) break;
    for (let c = rowStart[y]!, end = rowStart[y + 1]!; c < end; c++) {
      const a = levels[c]! >> LEVEL_BITS;
      const b = levels[c]! & LEVEL_MASK;
      const x = changeX[c]!;
      const low = Math.min(a, b);
      const high = Math.max(a, b);
      crossingX[write[low]!++] = x;
      // Rarely, a jump over several levels crosses further cuts.
      for (let j = low + 1; j < high; j++) crossingX[write[j]!++] = x;
    }
  }

  return { width, height, grey: data, cuts, rowFirstLevel, crossingX, crossingStart, maxRuns };
}

/** Levels need 9 bits (up to 257 distinct cuts): a change packs "from" above "to". */
const LEVEL_BITS = 9;
const LEVEL_MASK = (1 << LEVEL_BITS) - 1;

interface LevelChanges {
  count: number;
  /** Changes of row y are [rowStart[y], rowStart[y + 1]). */
  rowStart: Int32Array;
  x: Int32Array;
  levels: Int32Array;
}

/** One pass over the pixels, listing where the level changes. */
function levelChanges(data: Uint8Array, width: number, height: number, levelOf: Uint16Array, rowFirstLevel: Uint16Array): LevelChanges {
  const rowStart = new Int32Array(height + 1);
  // Noisy skin changes level at up to a third of its pixels. Pages never written cost nothing,
  // so a generous first guess mostly saves regrowing (copying) the lists.
  let capacity = Math.max(4 * width, Math.ceil((width * height) / 4));
  let xs = new Int32Array(capacity);
  let levels = new Int32Array(capacity);
  let count = 0;
  for (let y = 0; y < height; y++) {
    rowStart[y] = count;
    if (count + width > capacity) {
      capacity = Math.max(capacity * 2, count + width);
      xs = grow(xs, capacity);
      levels = grow(levels, capacity);
    }
    const src = y * width;
    let previous = levelOf[data[src]!]!;
    rowFirstLevel[y] = previous;
    for (let x = 1; x < width; x++) {
      const level = levelOf[data[src + x]!]!;
      // Branch-free: noise makes "did the level change" unpredictable, so always write and
      // advance only on a change (the sign bit of (a - b) | (b - a) is set iff a !== b).
      xs[count] = x;
      levels[count] = (previous << LEVEL_BITS) | level;
      count += ((level - previous) | (previous - level)) >>> 31;
      previous = level;
    }
  }
  rowStart[height] = count;
  return { count, rowStart, x: xs, levels };
}

function grow(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  bigger.set(array);
  return bigger;
}
