import { describe, expect, it } from 'vitest';
import { hueOf, rgbToHsv, rgbToYCrCb, saturationOf, toGrey } from '../src/domain/colour-space.js';
import { rgbImage, type RgbImage } from '../src/domain/image.js';
import { labToRgb, lightnessPlane, rgbToLab } from '../src/domain/lab.js';
import { isSkinColour, skinColourTable, skinFraction, skinMask } from '../src/domain/skin.js';
import { cv2Run, difference, hasCv2, hasIsic, isicImage } from './cv2-pixels.js';

const SKIN: readonly [number, number, number] = [224, 172, 140];
const BLUE: readonly [number, number, number] = [40, 80, 200];

function filled(width: number, height: number, colour: readonly number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colour, i * 3);
  return rgbImage(width, height, data);
}

/** Every 29th colour of the 2^24, as a 1024-wide image (578,560 colours). */
function colourSample(): RgbImage {
  const width = 1024;
  const height = 565;
  const data = new Uint8Array(width * height * 3);
  for (let k = 0; k < width * height; k++) {
    const c = k * 29;
    data[k * 3] = c >> 16;
    data[k * 3 + 1] = (c >> 8) & 255;
    data[k * 3 + 2] = c & 255;
  }
  return rgbImage(width, height, data);
}

describe('colour conversions', () => {
  it('computes hue and saturation on OpenCV scales for primaries and greys', () => {
    expect([hueOf(255, 0, 0), saturationOf(255, 0, 0)]).toEqual([0, 255]);
    expect(hueOf(0, 255, 0)).toBe(60);
    expect(hueOf(0, 0, 255)).toBe(120);
    // Just below 360 degrees: -0.1 rounds to 0, -1.2 wraps to 179.
    expect(hueOf(255, 0, 1)).toBe(0);
    expect(hueOf(255, 0, 10)).toBe(179);
    expect([hueOf(90, 90, 90), saturationOf(90, 90, 90)]).toEqual([0, 0]);
  });

  it.skipIf(!hasCv2)('match cv2.cvtColor exactly on 578,560 colours (grey, HSV, YCrCb, Lab both ways)', () => {
    const sample = colourSample();
    const reference = cv2Run(
      sample,
      [
        'out = np.concatenate([cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).ravel(), cv2.cvtColor(img, cv2.COLOR_RGB2HSV).ravel(),',
        '  cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb).ravel(), cv2.cvtColor(img, cv2.COLOR_RGB2Lab).ravel(), cv2.cvtColor(img, cv2.COLOR_Lab2RGB).ravel()])',
      ].join('\n'),
    );
    const n = sample.width * sample.height;
    const parts = [toGrey(sample).data, rgbToHsv(sample), rgbToYCrCb(sample), rgbToLab(sample.data), labToRgb(sample.data)];
    let offset = 0;
    for (const ours of parts) {
      expect(difference(ours, reference.subarray(offset, offset + ours.length)).mismatches).toBe(0);
      offset += ours.length;
    }
    expect(offset).toBe(n * 13); // grey 1 + four 3-channel conversions
    const lab = rgbToLab(sample.data);
    const lightness = lightnessPlane(sample.data);
    expect(lightness.every((l, i) => l === lab[i * 3])).toBe(true);
  });
});

describe('skin mask', () => {
  it('has a colour table that agrees with the direct HSV/YCrCb test', () => {
    const table = skinColourTable();
    let disagreements = 0;
    for (let c = 0; c < 1 << 24; c += 31) {
      const direct = isSkinColour(c >> 16, (c >> 8) & 255, c & 255) ? 1 : 0;
      if (((table[c >> 3] >> (c & 7)) & 1) !== direct) disagreements++;
    }
    expect(disagreements).toBe(0);
  });

  it('gives ~1 for a skin-coloured image and 0 for a blue one', () => {
    expect(isSkinColour(...SKIN)).toBe(true);
    expect(skinFraction(filled(64, 48, SKIN))).toBe(1);
    expect(skinFraction(filled(64, 48, BLUE))).toBe(0);
    expect(skinFraction(rgbImage(0, 0))).toBe(0);
  });

  it('applies the 3 x 3 median: removes an isolated pixel and fills a pinhole', () => {
    const blue = filled(9, 7, BLUE);
    blue.data.set(SKIN, (3 * 9 + 4) * 3);
    expect(skinFraction(blue)).toBe(0);
    const skin = filled(9, 7, SKIN);
    skin.data.set(BLUE, (3 * 9 + 4) * 3);
    expect(skinFraction(skin)).toBe(1);
    // A 2-pixel-wide skin band survives the median; its share is exact.
    const band = filled(10, 10, BLUE);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 2; x++) band.data.set(SKIN, (y * 10 + x) * 3);
    expect(skinFraction(band)).toBeCloseTo(0.2, 12);
    expect(Array.from(skinMask(band).subarray(0, 10))).toEqual([255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('counts the same pixels as the mask for every width (word-at-a-time tails)', () => {
    let seed = 17;
    for (let width = 1; width <= 13; width++) {
      for (let height = 1; height <= 5; height++) {
        const image = filled(width, height, BLUE);
        for (let i = 0; i < width * height; i++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          if (seed >>> 31) image.data.set(SKIN, i * 3);
        }
        const masked = skinMask(image).reduce((sum, v) => sum + (v ? 1 : 0), 0);
        expect(skinFraction(image) * width * height).toBeCloseTo(masked, 9);
      }
    }
  });

  it.skipIf(!hasCv2 || !hasIsic)('equals the cv2 mask (inRange, and, medianBlur 3) on an ISIC image', async () => {
    const rgb = await isicImage('ISIC_0000001.jpg');
    const reference = cv2Run(
      rgb,
      [
        'hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV); ycc = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)',
        'm = (cv2.inRange(hsv, (0, 3, 0), (35, 255, 255)) | cv2.inRange(hsv, (154, 3, 0), (179, 255, 255))) & cv2.inRange(ycc, (0, 130, 77), (255, 180, 130))',
        'out = cv2.medianBlur(m, 3)',
      ].join('\n'),
    );
    const ours = skinMask(rgb);
    expect(difference(ours, reference).mismatches).toBe(0);
    const count = reference.reduce((sum, v) => sum + (v ? 1 : 0), 0);
    expect(skinFraction(rgb)).toBeCloseTo(count / (rgb.width * rgb.height), 12);
  });
});
