/** Contour points in image coordinates, reused between contours to avoid allocation. */
export class ContourBuffer {
  xs = new Int32Array(4096);
  ys = new Int32Array(4096);
  length = 0;

  push(x: number, y: number): void {
    if (this.length === this.xs.length) {
      const xs = new Int32Array(this.length * 2);
      xs.set(this.xs);
      const ys = new Int32Array(this.length * 2);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.length] = x;
    this.ys[this.length] = y;
    this.length++;
  }
}

/**
 * Chain-code directions, counter-clockwise on screen (y grows downwards), as Freeman codes:
 * 0 right, 1 up-right, 2 up, 3 up-left, 4 left, 5 down-left, 6 down, 7 down-right.
 */
const DX = Int8Array.of(1, 1, 0, -1, -1, -1, 0, 1);
const DY = Int8Array.of(0, -1, -1, -1, 0, 1, 1, 1);

/**
 * Suzuki-Abe border following as findContours(CHAIN_APPROX_NONE) performs it, writing every
 * visited border pixel (a pixel is written again each time the border passes through it, which
 * shapes the median radius). Foreground is grey > cut; outside the image is background, as in
 * findContours' zero frame.
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
  grey: Uint8Array,
  width: number,
  height: number,
  startX: number,
  startY: number,
  hole: boolean,
  cut: number,
  maxPoints: number,
  out: ContourBuffer,
): boolean {
  const foreground = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && grey[y * width + x]! > cut;
  out.length = 0;

  const firstDirection = hole ? 0 : 4;
  let s = firstDirection;
  do {
    s = (s - 1) & 7;
  } while (!foreground(startX + DX[s]!, startY + DY[s]!) && s !== firstDirection);
  if (s === firstDirection) {
    out.push(startX, startY);
    return true;
  }
  const lastX = startX + DX[s]!;
  const lastY = startY + DY[s]!;

  let x = startX;
  let y = startY;
  for (;;) {
    // Search counter-clockwise from the neighbour after the one we came from; at worst the
    // previous pixel is found again after a full turn, so the search ends within eight steps.
    let nx: number;
    let ny: number;
    do {
      s = (s + 1) & 7;
      nx = x + DX[s]!;
      ny = y + DY[s]!;
    } while (!foreground(nx, ny));
    if (out.length === maxPoints) return false;
    out.push(x, y);
    if (nx === startX && ny === startY && x === lastX && y === lastY) return true;
    x = nx;
    y = ny;
    s = (s + 4) & 7;
  }
}
