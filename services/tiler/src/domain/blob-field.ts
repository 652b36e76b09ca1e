import { growScratchInt32, scratchInt32 } from './blob-scratch.js';
import type { GreyImage } from './image.js';
import { rowWords } from './pixel-words.js';

/**
 * The grey image prepared once for every threshold of one detection: for each cut, the rows
 * binarised into runs. A binarised row is fully described by its first pixel's colour and the
 * columns where it switches between background (grey <= cut) and foreground (grey > cut), so
 * labelling one threshold costs its own transitions, not the image's pixels.
 */
export interface BlobField {
  readonly width: number;
  readonly height: number;
  readonly grey: Uint8Array;
  /** Distinct cuts, ascending; a pixel is foreground at cut index j when grey > cuts[j]. */
  readonly cuts: readonly number[];
  /** Level of each row's first pixel: the number of cuts it exceeds (foreground at j <=> level > j). */
  readonly rowFirstLevel: Uint16Array;
  /**
   * Run starts, cut by cut, row by row, each row framed by sentinels: 0, the columns where the
   * colour switches, then `width`. Run k of a row covers [runX[k], runX[k + 1]). Kept scratch
   * memory: valid until the next field is prepared.
   */
  readonly runX: Int32Array;
  /** Row y of cut j occupies runX[rowStart[j * (height + 1) + y] .. rowStart[j * (height + 1) + y + 1]). */
  readonly rowStart: Int32Array;
  /**
   * Whether any pixel has level l, for l in 0..cuts.length. Cuts j < k binarise the image
   * identically exactly when no level in j + 1..k is occupied.
   */
  readonly occupied: Uint8Array;
}

/** `cuts` must be distinct, ascending integers in [-1, 255]. */
export function prepareBlobField(image: GreyImage, cuts: readonly number[]): BlobField {
  const { width, height, data } = image;
  if (width < 1 || height < 1) throw new RangeError(`blob detection needs a non-empty image, got ${width}x${height}`);
  if (data.length !== width * height) throw new RangeError(`grey image ${width}x${height} needs ${width * height} bytes, got ${data.length}`);
  const cutCount = cuts.length;
  // A change packs its column and a level into 32 bits (see levelChanges): 27 bits of column
  // for the usual 26 thresholds, 23 bits at worst (257 cuts).
  const levelBits = 32 - Math.clz32(cutCount);
  const maxWidth = 2 ** (32 - levelBits);
  if (width > maxWidth) throw new RangeError(`blob detection with ${cutCount} thresholds supports images up to ${maxWidth} px wide, got ${width}`);

  const levelOf = new Uint16Array(256);
  for (let g = 0; g < 256; g++) {
    let level = 0;
    while (level < cutCount && g > cuts[level]!) level++;
    levelOf[g] = level;
  }

  const rowFirstLevel = new Uint16Array(height);
  const changes = levelChanges(data, width, height, levelOf, levelBits, rowFirstLevel);
  const rowsPlusOne = height + 1;
  const { rowStart: changeStart, changes: packed } = changes;
  const levelMask = (1 << levelBits) - 1;

  // A change from level a to b crosses the cuts min(a, b) .. max(a, b) - 1: count them with a
  // difference array (one increment and one decrement per change, whatever the jump). A
  // change's "from" is the level its predecessor in the row went to, or the row's first level;
  // every pixel's level is one of those, which also says which levels occur.
  const difference = new Int32Array(cutCount + 1);
  const occupied = new Uint8Array(cutCount + 1);
  for (let y = 0; y < height; y++) {
    let a = rowFirstLevel[y]!;
    occupied[a] = 1;
    for (let c = changeStart[y]!, end = changeStart[y + 1]!; c < end; c++) {
      const b = packed[c]! & levelMask;
      occupied[b] = 1;
      difference[Math.min(a, b)]!++;
      difference[Math.max(a, b)]!--;
      a = b;
    }
  }
  const write = new Int32Array(cutCount);
  let total = 0;
  let perCut = 0;
  for (let j = 0; j < cutCount; j++) {
    perCut += difference[j]!;
    write[j] = total;
    // Each row adds its two sentinels.
    total += perCut + 2 * height;
  }

  const runX = scratchInt32('runX', total);
  const rowStart = new Int32Array(cutCount * rowsPlusOne);
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < cutCount; j++) {
      rowStart[j * rowsPlusOne + y] = write[j]!;
      runX[write[j]!++] = 0;
    }
    let a = rowFirstLevel[y]!;
    for (let c = changeStart[y]!, end = changeStart[y + 1]!; c < end; c++) {
      const b = packed[c]! & levelMask;
      const x = packed[c]! >>> levelBits;
      const low = Math.min(a, b);
      const high = Math.max(a, b);
      runX[write[low]!++] = x;
      // Rarely, a jump over several levels crosses further cuts.
      for (let j = low + 1; j < high; j++) runX[write[j]!++] = x;
      a = b;
    }
    for (let j = 0; j < cutCount; j++) runX[write[j]!++] = width;
  }
  for (let j = 0; j < cutCount; j++) rowStart[j * rowsPlusOne + height] = write[j]!;

  return { width, height, grey: data, cuts, rowFirstLevel, runX, rowStart, occupied };
}

interface LevelChanges {
  /** Changes of row y are changes[rowStart[y] .. rowStart[y + 1]). */
  rowStart: Int32Array;
  /** Each change as x << levelBits | the level from x on, in 32 bits (read x with >>>). */
  changes: Int32Array;
}

/** One pass over the pixels, listing where the level changes. */
function levelChanges(data: Uint8Array, width: number, height: number, levelOf: Uint16Array, levelBits: number, rowFirstLevel: Uint16Array): LevelChanges {
  const rowStart = new Int32Array(height + 1);
  // A 12-megapixel photo of noisy skin changes level at about a tenth of its pixels.
  let changes = scratchInt32('changes', Math.max(4 * width, Math.ceil((width * height) / 8)));
  const words = rowWords(data, width);
  const wordsPerRow = width >> 2;
  let count = 0;
  for (let y = 0; y < height; y++) {
    rowStart[y] = count;
    if (count + width > changes.length) changes = growScratchInt32('changes', changes, count, Math.max(changes.length * 2, count + width));
    const src = y * width;
    let previous = levelOf[data[src]!]!;
    rowFirstLevel[y] = previous;
    // Branch-free: noise makes "did the level change" unpredictable, so always write and
    // advance only on a change (the sign bit of (a - b) | (b - a) is set iff a !== b). The
    // first pixel compares with itself and is never a change. One store per pixel: x and the
    // level share a word.
    if (words !== null) {
      for (let k = y * wordsPerRow, end = k + wordsPerRow, x = 0; k < end; k++, x += 4) {
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
    } else {
      for (let x = 1; x < width; x++) {
        const level = levelOf[data[src + x]!]!;
        changes[count] = (x << levelBits) | level;
        count += ((level - previous) | (previous - level)) >>> 31;
        previous = level;
      }
    }
  }
  rowStart[height] = count;
  return { rowStart, changes };
}
