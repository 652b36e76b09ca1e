import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Colour type 2 = truecolour RGB (PNG spec, IHDR). */
const COLOUR_TYPE_RGB = 2;
/** Speed over size: the PNG only travels once, over loopback or a cluster network. */
const DEFLATE_LEVEL = 1;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  // The CRC covers the chunk type and data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A minimal PNG (8-bit RGB, no filtering, one IDAT) of raw row-major RGB pixels. It lets the
 * gateway hand pixels it received as numbers to the tiler, whose Patch RPC takes encoded
 * images, without decoding or resampling anything itself.
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`a PNG needs a positive integer size, got ${width} x ${height}`);
  }
  const stride = width * 3;
  if (rgb.byteLength !== stride * height) throw new RangeError(`${width} x ${height} RGB needs ${stride * height} bytes, got ${rgb.byteLength}`);
  // Each scanline starts with its filter type byte; 0 = None.
  const scanlines = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row += 1) {
    scanlines.set(rgb.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = COLOUR_TYPE_RGB;
  // Bytes 10-12: compression 0 (deflate), filter method 0, interlace 0 (none).
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: DEFLATE_LEVEL })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
