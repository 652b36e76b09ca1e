import { crc32, deflateSync } from 'node:zlib';

/** A PNG chunk: `offset` is where its 4-byte length field starts. */
export interface PngChunk {
  readonly type: string;
  readonly offset: number;
  readonly length: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks of a PNG, in order; stops at the first chunk that runs past the end. */
export function pngChunks(bytes: Uint8Array): PngChunk[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunk[] = [];
  for (let offset = PNG_SIGNATURE.length; offset + 8 <= view.length; ) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    if (offset + 12 + length > view.length) break;
    chunks.push({ type, offset, length });
    offset += 12 + length;
  }
  return chunks;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid PNG of width x height black pixels at 1 bit per pixel: a decompression bomb. Its
 * IDAT inflates to height x (1 + ceil(width / 8)) bytes (50 MB for 20000 x 20000), which
 * deflate squeezes about a thousandfold; decoded as RGB it would need 3 bytes per pixel.
 */
export function blackPngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  // Compression, filter and interlace methods stay 0 (the only defined ones, no interlace).
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0 + zero bits per row
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows, { level: 9 })), pngChunk('IEND', new Uint8Array(0))]);
}

/** Rewrites a PNG's IHDR width and height (and its CRC, so the header still reads as valid). */
export function withPngSize(png: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  const ihdr = pngChunks(out).find((chunk) => chunk.type === 'IHDR');
  if (!ihdr) throw new Error('no IHDR chunk');
  out.writeUInt32BE(width, ihdr.offset + 8);
  out.writeUInt32BE(height, ihdr.offset + 12);
  out.writeUInt32BE(crc32(out.subarray(ihdr.offset + 4, ihdr.offset + 8 + ihdr.length)), ihdr.offset + 8 + ihdr.length);
  return out;
}

/** A JPEG marker segment before the scan data: `offset` is where its 0xFF marker byte is. */
export interface JpegSegment {
  readonly marker: number;
  readonly offset: number;
  /** The segment's length field: its payload plus the 2 length bytes. */
  readonly length: number;
}

/** The marker segments of a JPEG from SOI up to and including SOS (the scan data follows). */
export function jpegSegments(bytes: Uint8Array): JpegSegment[] {
  const segments: JpegSegment[] = [];
  let offset = 2; // after SOI (FF D8)
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    segments.push({ marker, offset, length });
    if (marker === 0xda) break; // SOS: entropy-coded data follows
    offset += 2 + length;
  }
  return segments;
}

/** Start-of-frame markers (baseline, extended, progressive, lossless; not DHT/JPG/DAC). */
export function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Rewrites the height and width a JPEG's start-of-frame segment declares. */
export function withJpegSize(jpeg: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  const sof = jpegSegments(out).find((segment) => isStartOfFrame(segment.marker));
  if (!sof) throw new Error('no start-of-frame segment');
  // SOF payload: precision (1 byte), height (2), width (2), components...
  out.writeUInt16BE(height, sof.offset + 5);
  out.writeUInt16BE(width, sof.offset + 7);
  return out;
}
