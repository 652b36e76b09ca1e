import sharp from 'sharp';
import type { BlobDetector } from './domain/blobs.js';
import { tilePhoto } from './domain/tile-photo.js';

/**
 * One small tiling before the server reports SERVING: it builds the skin colour table and lets
 * the JIT compile the pixel loops, costs the first real request would otherwise pay (~0.5 s).
 * Detecting through `blobDetector` warms its worker threads too.
 */
export async function warmUp(blobDetector: Pick<BlobDetector, 'detect'>, cropSize = 128): Promise<void> {
  const width = 320;
  const height = 240;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 3;
      // Skin-toned field with a texture, so the blur gate passes, and one dark disc to detect.
      const dark = Math.hypot(x - 160, y - 120) < 15;
      const texture = (x * 7 + y * 13) % 9;
      pixels[offset] = dark ? 70 : 215 + texture;
      pixels[offset + 1] = dark ? 45 : 160 + texture;
      pixels[offset + 2] = dark ? 35 : 135 + texture;
    }
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
  await tilePhoto(png, { cropSize, maxCandidates: 10, maxPixels: width * height }, blobDetector);
}
