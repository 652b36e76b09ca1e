/** Summed-area table over a 0/1 map: O(1) counts of marked pixels in any axis-aligned rectangle. */
export class CountTable {
  private readonly table: Int32Array;
  readonly width: number;
  readonly height: number;

  constructor(width: number, height: number, marked: (index: number) => boolean) {
    this.width = width;
    this.height = height;
    const stride = width + 1;
    this.table = new Int32Array(stride * (height + 1));
    for (let y = 0; y < height; y++) {
      let row = 0;
      for (let x = 0; x < width; x++) {
        if (marked(y * width + x)) row++;
        this.table[(y + 1) * stride + x + 1] = (this.table[y * stride + x + 1] as number) + row;
      }
    }
  }

  /** Marked pixels in [x0, x1) x [y0, y1), clipped to the raster. */
  count(x0: number, y0: number, x1: number, y1: number): number {
    const ax = clampInt(x0, 0, this.width);
    const ay = clampInt(y0, 0, this.height);
    const bx = clampInt(x1, 0, this.width);
    const by = clampInt(y1, 0, this.height);
    if (bx <= ax || by <= ay) return 0;
    const s = this.width + 1;
    const t = this.table;
    return (t[by * s + bx] as number) - (t[ay * s + bx] as number) - (t[by * s + ax] as number) + (t[ay * s + ax] as number);
  }

  /** Share of marked pixels in a square centred on (cx, cy); area outside the raster counts as marked. */
  fractionInSquare(cx: number, cy: number, side: number): number {
    const x0 = Math.round(cx - side / 2);
    const y0 = Math.round(cy - side / 2);
    const x1 = Math.round(cx + side / 2);
    const y1 = Math.round(cy + side / 2);
    const total = (x1 - x0) * (y1 - y0);
    if (total <= 0) return 0;
    const inside = (clampInt(x1, 0, this.width) - clampInt(x0, 0, this.width)) * (clampInt(y1, 0, this.height) - clampInt(y0, 0, this.height));
    return (this.count(x0, y0, x1, y1) + (total - inside)) / total;
  }
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
