import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rgbImage, type RgbImage } from '../src/domain/image.js';
import { boxLineWidth, drawBoxes, jet, MONTAGE, montageLayout, montageOrder, renderPicture, type Mark } from '../src/domain/render/index.js';

type Colour = readonly [number, number, number];
const GREY: Colour = [128, 128, 128];

function photo(width: number, height: number, fill: Colour = GREY): RgbImage {
  const image = rgbImage(width, height);
  image.data.set(fill);
  // Doubling copies: filling 12 MP pixel by pixel would dominate the test's run time.
  for (let filled = 3; filled < image.data.length; filled *= 2) image.data.copyWithin(filled, 0, filled);
  return image;
}

/** Paints a filled square of half-side r around (x, y): a "lesion" of a known colour. */
function spot(image: RgbImage, x: number, y: number, r: number, colour: Colour): void {
  for (let py = Math.max(0, y - r); py <= Math.min(image.height - 1, y + r); py++) {
    for (let px = Math.max(0, x - r); px <= Math.min(image.width - 1, x + r); px++) image.data.set(colour, 3 * (py * image.width + px));
  }
}

function mark(x: number, y: number, diameter: number, classIndex: number, udScore: number | null = null, udRank: number | null = null): Mark {
  return { x, y, diameter, classIndex, udScore, udRank };
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  pixel(x: number, y: number): Colour;
}

async function decode(png: Uint8Array): Promise<Decoded> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return {
    width: info.width,
    height: info.height,
    pixel: (x, y) => {
      const i = 3 * (y * info.width + x);
      return [data[i], data[i + 1], data[i + 2]];
    },
  };
}

describe('boxes', () => {
  it('outlines class 4 in yellow and class 5 in red, and leaves every other pixel alone', async () => {
    const input = photo(400, 300);
    const marks = [mark(100, 100, 10, 4), mark(250, 150, 12, 5), mark(200, 240, 10, 3)];
    const { png, width, height } = await renderPicture(input, 'boxes', marks);
    expect([width, height]).toEqual([400, 300]);
    const out = await decode(png);

    // Crop square 3d = 30 px around (100, 100): columns/rows 85..115, lines 2 px thick inside it.
    for (const [x, y] of [[85, 100], [86, 100], [115, 100], [100, 85], [100, 115], [85, 85]]) expect(out.pixel(x, y)).toEqual([255, 255, 0]);
    expect(out.pixel(87, 100)).toEqual(GREY);
    expect(out.pixel(100, 100)).toEqual(GREY);
    // 3d = 36 px around (250, 150): 232..268.
    for (const [x, y] of [[232, 150], [268, 150], [250, 132], [250, 168]]) expect(out.pixel(x, y)).toEqual([255, 0, 0]);

    const insideBox = (x: number, y: number): boolean => (x >= 85 && x <= 115 && y >= 85 && y <= 115) || (x >= 232 && x <= 268 && y >= 132 && y <= 168);
    let changedOutside = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (!insideBox(x, y) && out.pixel(x, y).some((v, c) => v !== GREY[c])) changedOutside++;
    expect(changedOutside).toBe(0); // in particular nothing around the class-3 mark
  });

  it('draws the red box over the yellow one where they overlap', async () => {
    const { png } = await renderPicture(photo(200, 200), 'boxes', [mark(100, 100, 10, 5), mark(100, 100, 10, 4)]);
    expect((await decode(png)).pixel(85, 100)).toEqual([255, 0, 0]);
  });

  it('scales the line width with the photo: 8 px on a 4000 x 3000 photo', () => {
    expect(boxLineWidth(400, 300)).toBe(2);
    expect(boxLineWidth(4000, 3000)).toBe(8);
    // drawBoxes directly: encoding 12 MP would only slow the test down.
    const out = drawBoxes(photo(4000, 3000), [mark(2000, 1500, 100, 5)]);
    const at = (x: number, y: number): number[] => [...out.data.subarray(3 * (y * out.width + x), 3 * (y * out.width + x) + 3)];
    expect(at(1850 + 7, 1500)).toEqual([255, 0, 0]);
    expect(at(1850 + 8, 1500)).toEqual(GREY);
  });

  it('clips a box at the photo border', async () => {
    const { png } = await renderPicture(photo(100, 100), 'boxes', [mark(2, 50, 10, 4)]);
    const out = await decode(png);
    expect(out.pixel(0, 50)).toEqual([255, 255, 0]); // the clipped square's left edge is the border
    expect(out.pixel(17, 50)).toEqual([255, 255, 0]); // right edge at 2 + 15
  });
});

describe('heatmap', () => {
  it('is red over an odd lesion, blue over a common one, and leaves far pixels alone', async () => {
    const marks = [mark(150, 200, 20, 3, 1, 1), mark(450, 200, 20, 3, 0, 3), mark(300, 200, 20, 3, 0.5, 2)];
    const { png } = await renderPicture(photo(600, 400), 'heatmap', marks);
    const out = await decode(png);
    const [oddR, , oddB] = out.pixel(150, 200);
    const [commonR, , commonB] = out.pixel(450, 200);
    expect(oddR - oddB).toBeGreaterThan(40);
    expect(commonB - commonR).toBeGreaterThan(40);
    const [, middleG] = out.pixel(300, 200); // UD 0.5 is green-yellow on jet
    expect(middleG).toBeGreaterThan(150);
    expect(out.pixel(5, 5)).toEqual(GREY);
    expect(out.pixel(300, 395)).toEqual(GREY);
  });

  it('returns the photo unchanged when no mark has a UD score', async () => {
    const input = photo(120, 80);
    spot(input, 60, 40, 5, [200, 10, 10]);
    const { png } = await renderPicture(input, 'heatmap', [mark(60, 40, 10, 5), mark(10, 10, 8, 3)]);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(data, Buffer.from(input.data))).toBe(0);
  });
});

describe('montage', () => {
  // Ten lesions, each painted its own colour; ranks deliberately not in painting order.
  const colours: Colour[] = [[0, 200, 0], [200, 0, 200], [0, 0, 220], [220, 120, 0], [0, 180, 180], [90, 40, 10], [250, 250, 0], [10, 10, 10], [160, 0, 0], [0, 90, 160]];
  const ranks = [1, 7, 2, 9, 3, 10, 4, 8, 5, 6];
  function lesionPhoto(): { input: RgbImage; marks: Mark[] } {
    const input = photo(800, 600, [230, 200, 180]);
    const marks = colours.map((colour, i) => {
      const x = 60 + (i % 5) * 150;
      const y = 150 + Math.floor(i / 5) * 250;
      spot(input, x, y, 12, colour);
      return mark(x, y, 24, 3 + (i % 3), 1 - (ranks[i] - 1) / 9, ranks[i]);
    });
    return { input, marks };
  }
  /** Centre of the tile in grid cell `index`. */
  function tileCentre(index: number): [number, number] {
    const layout = montageLayout(10, 1);
    const x = MONTAGE.margin + (index % layout.columns) * (layout.cellWidth + MONTAGE.gap) + MONTAGE.border + MONTAGE.tileSize / 2;
    const y = MONTAGE.margin + Math.floor(index / layout.columns) * (layout.cellHeight + MONTAGE.gap) + MONTAGE.border + MONTAGE.tileSize / 2;
    return [x, y];
  }

  it('lays out a grid of up to 8 columns, rank 1 first, as a PNG without metadata', async () => {
    const { input, marks } = lesionPhoto();
    const { png, width, height } = await renderPicture(input, 'montage', marks);
    const layout = montageLayout(10, 1);
    expect([layout.columns, layout.rows]).toEqual([8, 2]);
    // 2 margins + 8 frames of 128 + 2 * 4 px + 7 gaps; 2 margins + 2 cells (frame + caption) + 1 gap.
    expect(width).toBe(2 * 8 + 8 * 136 + 7 * 8);
    expect(height).toBe(2 * 8 + 2 * (136 + 4 + 14) + 8);
    const out = await decode(png);
    expect([out.width, out.height]).toEqual([width, height]);

    for (let rank = 1; rank <= 10; rank++) {
      const painted = colours[ranks.indexOf(rank)];
      const [x, y] = tileCentre(rank - 1);
      out.pixel(x, y).forEach((v, c) => expect(Math.abs(v - painted[c])).toBeLessThanOrEqual(3));
    }
    // The crop is 3d wide, so the lesion (d) fills the middle third and skin surrounds it.
    const [x0, y0] = tileCentre(0);
    expect(out.pixel(x0 - 50, y0)).toEqual([230, 200, 180]);
    // The frame of the oddest lesion is jet(1) (dark red), of the most common jet(0) (dark blue).
    expect(out.pixel(MONTAGE.margin + 1, MONTAGE.margin + 1)).toEqual(jet(1));
    const [x9, y9] = tileCentre(9);
    expect(out.pixel(x9 - 64 - 2, y9)).toEqual(jet(0));

    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
  });

  it('writes a caption under every tile', async () => {
    const { input, marks } = lesionPhoto();
    const out = await decode((await renderPicture(input, 'montage', marks)).png);
    const layout = montageLayout(10, 1);
    for (let index = 0; index < 10; index++) {
      const left = MONTAGE.margin + (index % layout.columns) * (layout.cellWidth + MONTAGE.gap);
      const top = MONTAGE.margin + Math.floor(index / layout.columns) * (layout.cellHeight + MONTAGE.gap) + 136;
      let ink = 0;
      for (let y = top; y < top + 4 + 14; y++) for (let x = left; x < left + layout.cellWidth; x++) if (out.pixel(x, y)[0] < 64) ink++;
      // "#1 1.00" at 2x: several hundred font pixels; a blank caption would have none.
      expect(ink).toBeGreaterThan(200);
    }
  });

  it('fills the whole tile with the crop square for a lesion inside the photo, at any sub-pixel position', async () => {
    const skin: Colour = [230, 200, 180];
    const marks = [mark(100.5, 100, 13.5, 3, 0.5, 1), mark(200.3, 60.8, 13.5, 4, 0.4, 2), mark(60.5, 150.2, 10.1, 5, 0.3, 3)];
    const out = await decode((await renderPicture(photo(300, 200, skin), 'montage', marks)).png);
    for (let index = 0; index < marks.length; index++) {
      const [cx, cy] = tileCentre(index);
      let other = 0;
      for (let y = cy - 64; y < cy + 64; y++) for (let x = cx - 64; x < cx + 64; x++) if (out.pixel(x, y).some((v, c) => v !== skin[c])) other++;
      expect(other).toBe(0);
    }
  });

  it('orders ranked lesions by rank, then unranked ones by diameter, and leaves out non-lesions', () => {
    const ordered = montageOrder([mark(0, 0, 5, 3), mark(0, 0, 9, 3), mark(0, 0, 5, 4, 0.2, 2), mark(0, 0, 50, 2), mark(0, 0, 5, 5, 0.9, 1)]);
    expect(ordered.map((m) => [m.udRank, m.diameter])).toEqual([[1, 5], [2, 5], [null, 9], [null, 5]]);
  });

  it('shows one blank tile when there are no lesions', async () => {
    const { png, width, height } = await renderPicture(photo(300, 200), 'montage', [mark(10, 10, 5, 2)]);
    const layout = montageLayout(0, 1);
    expect([width, height]).toEqual([layout.width, layout.height]);
    expect((await sharp(png).metadata()).format).toBe('png');
  });

  it('adds a second caption line for labels', async () => {
    const labelled: Mark = { ...mark(50, 50, 10, 5, 0.7, 1), label: 'left shoulder' };
    const { height } = await renderPicture(photo(100, 100), 'montage', [labelled]);
    expect(height).toBe(montageLayout(1, 2).height);
  });
});

describe('options and robustness', () => {
  it('downsizes to maxWidth keeping the aspect, and only when wider', async () => {
    const input = photo(400, 300);
    const marks = [mark(100, 100, 10, 5, 0.9, 1)];
    for (const kind of ['boxes', 'heatmap'] as const) {
      const { png, width, height } = await renderPicture(input, kind, marks, { maxWidth: 200 });
      expect([width, height]).toEqual([200, 150]);
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height]).toEqual([200, 150]);
    }
    // The box is drawn on the downsized photo, so it stays pure red: 3d = 15 px around (49.75, 49.75).
    const small = await decode((await renderPicture(input, 'boxes', marks, { maxWidth: 200 })).png);
    expect(small.pixel(42, 50)).toEqual([255, 0, 0]);
    expect(small.pixel(57, 50)).toEqual([255, 0, 0]);
    expect((await renderPicture(input, 'boxes', marks, { maxWidth: 1000 })).width).toBe(400);
    expect((await renderPicture(input, 'montage', marks, { maxWidth: 100 })).width).toBe(100);
    await expect(renderPicture(input, 'boxes', marks, { maxWidth: -5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('does not throw on marks outside the photo, without a size or without a position', async () => {
    const input = photo(64, 48);
    const odd = [mark(-500, -500, 30, 5, 1, 1), mark(1e6, 20, 10, 4, 0.5, 2), mark(30, 20, 0, 5, 0, 3), mark(Number.NaN, 5, 5, 4, 0.3, null), mark(63, 47, 1e5, 3, 2, null), mark(10, 10, -4, 4, -1, 4)];
    for (const kind of ['boxes', 'heatmap', 'montage'] as const) {
      const { png, width } = await renderPicture(input, kind, odd);
      expect(width).toBeGreaterThan(0);
      expect((await sharp(png).metadata()).format).toBe('png');
    }
  });
});

describe('jet', () => {
  it('runs from blue through green to red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(0.5)[1]).toBe(255);
    expect(jet(Number.NaN)).toEqual(jet(0));
    expect(jet(7)).toEqual(jet(1));
  });
});
