import { FRAME_LEFT, type FramedGrey } from './blob-frame.js';

/** Contour points in image coordinates, reused between contours to avoid allocation. */
export class ContourBuffer {
  xs = new Int32Array(4096);
  ys = new Int32Array(4096);
  length = 0;

  private offsets = new Int32Array(8);
  private offsetsStride = -1;

  push(x: number, y: number): void {
    if (this.length === this.xs.length) this.reserve(this.length + 1);
    this.xs[this.length] = x;
    this.ys[this.length] = y;
    this.length++;
  }

  /** Room for at least `points` points, keeping the first `length`. */
  reserve(points: number): void {
    if (points <= this.xs.length) return;
    const capacity = Math.max(points, this.xs.length * 2);
    const xs = new Int32Array(capacity);
    xs.set(this.xs.subarray(0, this.length));
    const ys = new Int32Array(capacity);
    ys.set(this.ys.subarray(0, this.length));
    this.xs = xs;
    this.ys = ys;
  }

  /** The chain-code directions as index steps in a row-major image of this stride. */
  neighbourOffsets(stride: number): Int32Array {
    if (stride !== this.offsetsStride) {
      for (let s = 0; s < 8; s++) this.offsets[s] = DX[s]! + DY[s]! * stride;
      this.offsetsStride = stride;
    }
    return this.offsets;
  }
}

/**
 * Chain-code directions, counter-clockwise on screen (y grows downwards), as Freeman codes:
 * 0 right, 1 up-right, 2 up, 3 up-left, 4 left, 5 down-left, 6 down, 7 down-right.
 */
const DX = Int8Array.of(1, 1, 0, -1, -1, -1, 0, 1);
const DY = Int8Array.of(0, -1, -1, -1, 0, 1, 1, 1);

/**
 * NEXT[mask << 3 | s]: the first direction after s, counter-clockwise, whose bit is set in the
 * eight-neighbour mask (bit d for direction d). Reading all eight neighbours and looking the
 * answer up costs fewer cycles than stopping at the first foreground one, because where that
 * search stops is unpredictable along a noisy border.
 */
const NEXT = new Uint8Array(256 * 8);
for (let mask = 1; mask < 256; mask++) {
  for (let s = 0; s < 8; s++) {
    let d = (s + 1) & 7;
    while ((mask & (1 << d)) === 0) d = (d + 1) & 7;
    NEXT[(mask << 3) | s] = d;
  }
}

/**
 * Suzuki-Abe border following as findContours(CHAIN_APPROX_NONE) performs it, writing every
 * visited border pixel (a pixel is written again each time the border passes through it, which
 * shapes the median radius). Foreground is grey > cut, cut >= 0; the frame makes outside the
 * image background, as in findContours' zero frame. Points are in image coordinates.
 *
 * An outer border starts at its component's first pixel, with the background pixel on its left
 * as the previous neighbour; a hole border starts at the foreground pixel left of the hole's
 * first pixel, with that hole pixel (on its right) as the previous neighbour. The first neighbour
 * is sought clockwise from there; afterwards each next pixel is sought counter-clockwise from the
 * one just left, and following stops on returning to the start about to go where it first went.
 *
 * Returns false, with the buffer partial, when more than `maxPoints` points would be written.
 */
export function followBorder(
  frame: FramedGrey,
  startX: number,
  startY: number,
  hole: boolean,
  cut: number,
  maxPoints: number,
  out: ContourBuffer,
): boolean {
  const { stride, data: framed } = frame;
  const offset = out.neighbourOffsets(stride);
  const o0 = offset[0]!;
  const o1 = offset[1]!;
  const o2 = offset[2]!;
  const o3 = offset[3]!;
  const o4 = offset[4]!;
  const o5 = offset[5]!;
  const o6 = offset[6]!;
  const o7 = offset[7]!;
  out.length = 0;
  const start = (startY + 1) * stride + FRAME_LEFT + startX;

  const firstDirection = hole ? 0 : 4;
  let s = firstDirection;
  do {
    s = (s - 1) & 7;
  } while (framed[start + offset[s]!]! <= cut && s !== firstDirection);
  if (s === firstDirection) {
    out.push(startX, startY);
    return true;
  }
  const last = start + offset[s]!;

  let at = start;
  let x = startX;
  let y = startY;
  let n = 0;
  let xs = out.xs;
  let ys = out.ys;
  for (;;) {
    // The next pixel is the first foreground neighbour counter-clockwise after the one we came
    // from; the previous pixel is foreground, so there is one. (cut - g) >>> 31 is 1 exactly
    // when g > cut.
    const mask =
      ((cut - framed[at + o0]!) >>> 31) |
      (((cut - framed[at + o1]!) >>> 31) << 1) |
      (((cut - framed[at + o2]!) >>> 31) << 2) |
      (((cut - framed[at + o3]!) >>> 31) << 3) |
      (((cut - framed[at + o4]!) >>> 31) << 4) |
      (((cut - framed[at + o5]!) >>> 31) << 5) |
      (((cut - framed[at + o6]!) >>> 31) << 6) |
      (((cut - framed[at + o7]!) >>> 31) << 7);
    s = NEXT[(mask << 3) | s]!;
    const next = at + offset[s]!;
    if (n === maxPoints) break;
    if (n === xs.length) {
      out.length = n;
      out.reserve(n + 1);
      xs = out.xs;
      ys = out.ys;
    }
    xs[n] = x;
    ys[n] = y;
    n++;
    if (next === start && at === last) {
      out.length = n;
      return true;
    }
    at = next;
    x += DX[s]!;
    y += DY[s]!;
    s = (s + 4) & 7;
  }
  out.length = n;
  return false;
}
