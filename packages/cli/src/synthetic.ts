import { crc32, deflateSync } from 'node:zlib';

/** Raw row-major RGB pixels. */
export interface RgbPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A small deterministic generator (mulberry32), so a benchmark sends the same image every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stand-in photo for benchmarks that have none: skin-coloured, with grain (so that the blur
 * gate passes) and `lesions` dark round spots of 14..40 px. Not a realistic photo: the point
 * is a payload of the right size that exercises every stage.
 */
export function syntheticSkin(width: number, height: number, lesions: number, seed = 1): RgbPixels {
  const next = random(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const shade = 12 * Math.sin((x / width) * Math.PI) + (next() - 0.5) * 10;
      const offset = (y * width + x) * 3;
      data[offset] = 200 + shade;
      data[offset + 1] = 150 + shade;
      data[offset + 2] = 128 + shade;
    }
  }
  for (let spot = 0; spot < lesions; spot += 1) {
    const radius = 7 + next() * 13;
    const cx = radius + next() * (width - 2 * radius);
    const cy = radius + next() * (height - 2 * radius);
    const darkness = 0.35 + next() * 0.3;
    for (let y = Math.floor(cy - radius); y <= Math.ceil(cy + radius); y += 1) {
      for (let x = Math.floor(cx - radius); x <= Math.ceil(cx + radius); x += 1) {
        if (x < 0 || y < 0 || x >= width || y >= height || Math.hypot(x - cx, y - cy) > radius) continue;
        const offset = (y * width + x) * 3;
        data[offset] *= darkness;
        data[offset + 1] *= darkness * 0.85;
        data[offset + 2] *= darkness * 0.8;
      }
    }
  }
  return { width, height, data };
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The pixels as an 8-bit RGB PNG (no filtering; deflate level 6). */
export function encodePng({ width, height, data }: RgbPixels): Buffer {
  const stride = width * 3;
  const rows = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row += 1) rows.set(data.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // colour type: RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** Pixels as the seed's client sent them to predict: [height][width][3] floats, x / 255. */
export function unitScaledRows({ width, height, data }: RgbPixels): number[][][] {
  return Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => [0, 1, 2].map((c) => data[(y * width + x) * 3 + c] / 255)));
}
