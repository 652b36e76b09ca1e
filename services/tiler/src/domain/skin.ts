import { chromaBlueOf, chromaRedOf, hueOf, lumaOf, saturationOf } from './colour-space.js';
import type { RgbImage } from './image.js';
import { rowWords } from './pixel-words.js';

/*
 * The research's skin detector: a pixel is skin when it lies in both an HSV box and a YCrCb
 * box (OpenCV 8-bit ranges, bounds inclusive as cv2.inRange):
 *   HSV   in [0, 3, 0]..[35, 255, 255] or [154, 3, 0]..[179, 255, 255]
 *   YCrCb in [0, 130, 77]..[255, 180, 130]
 * then a 3 x 3 median filter removes isolated pixels. V and Y span their whole range, so only
 * H, S, Cr and Cb are tested.
 */
const CR_MIN = 130;
const CR_MAX = 180;
const CB_MIN = 77;
const CB_MAX = 130;
const SAT_MIN = 3;
const HUE_LOW_MAX = 35;
const HUE_HIGH_MIN = 154;

export function isSkinColour(r: number, g: number, b: number): boolean {
  const y = lumaOf(r, g, b);
  const cr = chromaRedOf(r, y);
  if (cr < CR_MIN || cr > CR_MAX) return false;
  const cb = chromaBlueOf(b, y);
  if (cb < CB_MIN || cb > CB_MAX) return false;
  if (saturationOf(r, g, b) < SAT_MIN) return false;
  const h = hueOf(r, g, b);
  return h <= HUE_LOW_MAX || h >= HUE_HIGH_MIN;
}

/**
 * isSkinColour for all 2^24 colours as a bit set (2 MiB), built on first use. Y rises with B
 * while R - Y falls and B - Y rises, so Cr falls and Cb rises monotonically with B: for each
 * (R, G) the YCrCb box is one interval of B, found by bisection, and only the colours inside it
 * need the HSV test. That keeps the build near 0.1 s, paid once per process (warm it up at start).
 */
let skinTable: Uint8Array | undefined;

function firstB(predicate: (b: number) => boolean): number {
  let lo = 0;
  let hi = 256;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (predicate(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function buildSkinTable(): Uint8Array {
  const table = new Uint8Array(1 << 21);
  for (let r = 0; r < 256; r++) {
    for (let g = 0; g < 256; g++) {
      const cr = (b: number): number => chromaRedOf(r, lumaOf(r, g, b));
      const cb = (b: number): number => chromaBlueOf(b, lumaOf(r, g, b));
      // Cr falls with B: the box holds B from the first Cr <= max to before the first Cr < min.
      const from = Math.max(firstB((b) => cr(b) <= CR_MAX), firstB((b) => cb(b) >= CB_MIN));
      const to = Math.min(firstB((b) => cr(b) < CR_MIN), firstB((b) => cb(b) > CB_MAX));
      const base = (r << 16) | (g << 8);
      for (let b = from; b < to; b++) {
        if (saturationOf(r, g, b) < SAT_MIN) continue;
        const h = hueOf(r, g, b);
        if (h <= HUE_LOW_MAX || h >= HUE_HIGH_MIN) table[(base | b) >> 3] |= 1 << (b & 7);
      }
    }
  }
  return table;
}

/** Bit (r << 16 | g << 8 | b) of this table is isSkinColour(r, g, b). */
export function skinColourTable(): Uint8Array {
  skinTable ??= buildSkinTable();
  return skinTable;
}

/**
 * The unfiltered mask of one photo row into target[0..width), 0 or 1 per pixel, with the last
 * pixel replicated into target[width] (medianBlur's border). `words` is the photo as 32-bit
 * words when its rows start on word boundaries (pixel-words.ts): four pixels are then three
 * loads, and their four mask bytes one store into `targetWords`.
 */
function skinRow(src: Uint8Array, words: Uint32Array | null, table: Uint8Array, width: number, y: number, target: Uint8Array, targetWords: Uint32Array): void {
  let x = 0;
  if (words !== null) {
    const quads = width >> 2;
    for (let k = 0, w = (y * width * 3) >> 2; k < quads; k++, w += 3) {
      const a = words[w]; // r0 g0 b0 r1
      const b = words[w + 1]; // g1 b1 r2 g2
      const c = words[w + 2]; // b2 r3 g3 b3
      const c0 = ((a & 255) << 16) | (a & 0xff00) | ((a >>> 16) & 255);
      const c1 = ((a >>> 24) << 16) | ((b & 255) << 8) | ((b >>> 8) & 255);
      const c2 = (b & 0xff0000) | ((b >>> 24) << 8) | (c & 255);
      const c3 = (((c >>> 8) & 255) << 16) | ((c >>> 8) & 0xff00) | (c >>> 24);
      targetWords[k] =
        ((table[c0 >> 3] >> (c0 & 7)) & 1) |
        (((table[c1 >> 3] >> (c1 & 7)) & 1) << 8) |
        (((table[c2 >> 3] >> (c2 & 7)) & 1) << 16) |
        (((table[c3 >> 3] >> (c3 & 7)) & 1) << 24);
    }
    x = quads * 4;
  }
  for (let j = (y * width + x) * 3; x < width; x++, j += 3) {
    const colour = (src[j] << 16) | (src[j + 1] << 8) | src[j + 2];
    target[x] = (table[colour >> 3] >> (colour & 7)) & 1;
  }
  target[width] = target[width - 1];
}

/**
 * cv2.medianBlur(mask, 3) on a binary mask, row by row: the median of 9 binary values is set
 * when at least 5 are, so a 3 x 3 count decides; borders replicate. Keeps three unfiltered rows
 * and their column sums instead of a whole-photo mask.
 */
class MajorityRows {
  private readonly table = skinColourTable();
  private readonly width: number;
  /** The photo as 32-bit words, or null (see skinRow). */
  private readonly photoWords: Uint32Array | null;
  /** 32-bit words per row buffer, enough for width + 1 bytes. */
  private readonly words: number;
  private readonly rows: Uint8Array[];
  private readonly rowWords: Uint32Array[];
  private readonly rowIndex = [-1, -1, -1];
  /** Vertical 3-sums of the current row, one byte per column. */
  private readonly sums: Uint8Array;
  private readonly sumWords: Uint32Array;

  constructor(private readonly rgb: RgbImage) {
    this.width = rgb.width;
    this.photoWords = rowWords(rgb.data, rgb.width * 3);
    this.words = (rgb.width + 4) >> 2;
    // Each buffer owns its ArrayBuffer, so 32-bit views start aligned. Byte k of a word is
    // column 4i + k: typed arrays use the platform order, little-endian on every Node target.
    this.rowWords = [0, 1, 2].map(() => new Uint32Array(this.words));
    this.rows = this.rowWords.map((words) => new Uint8Array(words.buffer));
    this.sumWords = new Uint32Array(this.words);
    this.sums = new Uint8Array(this.sumWords.buffer);
  }

  /** Slot of unfiltered row y (clamped to the photo), from a 3-slot cache keyed by y mod 3. */
  private slot(y: number): number {
    const clamped = y < 0 ? 0 : y >= this.rgb.height ? this.rgb.height - 1 : y;
    const slot = clamped % 3;
    if (this.rowIndex[slot] !== clamped) {
      skinRow(this.rgb.data, this.photoWords, this.table, this.width, clamped, this.rows[slot], this.rowWords[slot]);
      this.rowIndex[slot] = clamped;
    }
    return slot;
  }

  /**
   * Column sums of rows y - 1, y, y + 1, four columns per 32-bit add: each byte holds at most
   * 3, so no carry crosses into the next byte.
   */
  private columnSums(y: number): void {
    const up = this.rowWords[this.slot(y - 1)];
    const mid = this.rowWords[this.slot(y)];
    const down = this.rowWords[this.slot(y + 1)];
    const sums = this.sumWords;
    for (let k = 0; k < this.words; k++) sums[k] = up[k] + mid[k] + down[k];
  }

  /**
   * Set pixels of filtered row y. Four at a time: the column sums of rows y - 1, y, y + 1 come
   * from one 32-bit add per word (each byte holds at most 3, so no carry crosses into the next
   * byte), each byte then adds its left and right neighbours (shifted words; at most 9, still
   * no carry), + 3 sets bit 3 exactly when the sum is >= 5, and a multiply adds the four bits.
   */
  count(y: number): number {
    const up = this.rowWords[this.slot(y - 1)];
    const mid = this.rowWords[this.slot(y)];
    const down = this.rowWords[this.slot(y + 1)];
    const full = this.width >> 2;
    const partial = this.width & 3;
    const blocks = full + (partial ? 1 : 0);
    let count = 0;
    let word = up[0] + mid[0] + down[0];
    let previous = word & 0xff; // the left border replicates column 0
    for (let k = 0; k < blocks; k++) {
      const next = k + 1 < this.words ? up[k + 1] + mid[k + 1] + down[k + 1] : 0;
      const total = word + ((word << 8) | previous) + ((word >>> 8) | (next << 24));
      let set = (total + 0x03030303) & 0x08080808;
      if (k === full) set &= (1 << (8 * partial)) - 1; // drop bytes past the last column
      count += Math.imul(set >>> 3, 0x01010101) >>> 24;
      previous = word >>> 24;
      word = next;
    }
    return count;
  }

  /** Filtered row y into out[offset..offset + width), 0 or 255. */
  fill(y: number, out: Uint8Array, offset: number): void {
    this.columnSums(y);
    const sums = this.sums;
    let left = sums[0];
    for (let x = 0; x < this.width; x++) {
      const centre = sums[x];
      out[offset + x] = left + centre + sums[x + 1] >= 5 ? 255 : 0;
      left = centre;
    }
  }
}

/** The median-filtered skin mask, 0 or 255 per pixel, as the research computes it with cv2. */
export function skinMask(rgb: RgbImage): Uint8Array<ArrayBuffer> {
  const mask = new Uint8Array(rgb.width * rgb.height);
  if (mask.length === 0) return mask;
  const rows = new MajorityRows(rgb);
  for (let y = 0; y < rgb.height; y++) rows.fill(y, mask, y * rgb.width);
  return mask;
}

/** Share of the pixels in the filtered skin mask, 0..1 (0 for an empty image). */
export function skinFraction(rgb: RgbImage): number {
  const n = rgb.width * rgb.height;
  if (n === 0) return 0;
  const rows = new MajorityRows(rgb);
  let count = 0;
  for (let y = 0; y < rgb.height; y++) count += rows.count(y);
  return count / n;
}
