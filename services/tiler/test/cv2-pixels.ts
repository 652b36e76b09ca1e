import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { rgbImage, type RgbImage } from '../src/domain/image.js';

/*
 * OpenCV as a reference implementation for the tiler's tests: Debian's python3-opencv, called
 * through the system interpreter (a pyenv `python3` on PATH would lack cv2). Pixels travel as
 * raw bytes on stdin/stdout; the script gets the shape in argv.
 */

const PYTHON = '/usr/bin/python3';

function probe(): boolean {
  const result = spawnSync(PYTHON, ['-c', 'import cv2, numpy'], { stdio: 'ignore' });
  return result.status === 0;
}

/** True when /usr/bin/python3 can import cv2 and numpy. */
export const hasCv2 = probe();

/**
 * Runs `body` in Python with `img` (H x W x 3 uint8 RGB, from stdin) in scope; body assigns the
 * bytes to return to `out` (any numpy array, sent as raw bytes in C order).
 */
export function cv2Run(image: RgbImage, body: string, args: readonly (string | number)[] = []): Uint8Array {
  const script = [
    'import sys, numpy as np, cv2',
    'h, w = int(sys.argv[1]), int(sys.argv[2])',
    'args = sys.argv[3:]',
    'img = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8).reshape(h, w, 3)',
    body,
    'sys.stdout.buffer.write(np.ascontiguousarray(out).tobytes())',
  ].join('\n');
  const stdout = execFileSync(PYTHON, ['-c', script, String(image.height), String(image.width), ...args.map(String)], {
    input: image.data,
    maxBuffer: 512 * 1024 * 1024,
  });
  return new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length);
}

/** Like cv2Run for a script that prints one number. */
export function cv2Number(image: RgbImage, body: string): number {
  const bytes = cv2Run(image, `${body}\nout = np.frombuffer(repr(float(value)).encode(), dtype=np.uint8)`);
  return Number(Buffer.from(bytes).toString());
}

export const ISIC_IMAGES = '/work/shared/data/isic2017/images';

/** The ISIC 2017 sample shipped beside the repository (see the data README). */
export const hasIsic = existsSync(ISIC_IMAGES);

/** An ISIC image decoded by sharp (both sides of a comparison then see the same pixels). */
export async function isicImage(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(readFileSync(`${ISIC_IMAGES}/${name}`)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbImage(info.width, info.height, new Uint8Array(data));
}

/** Share of differing bytes, largest difference and mean absolute difference. */
export function difference(a: Uint8Array, b: Uint8Array): { mismatches: number; max: number; mean: number } {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let mismatches = 0;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d !== 0) {
      mismatches++;
      sum += d;
      if (d > max) max = d;
    }
  }
  return { mismatches, max, mean: a.length === 0 ? 0 : sum / a.length };
}
