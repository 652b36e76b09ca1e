import { crc32 } from 'node:zlib';
import { isStartOfFrame, jpegSegments, pngChunks } from './formats.js';

/** mulberry32: a small seeded PRNG, so that every fuzz case can be replayed from its seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

export type Format = 'jpeg' | 'png' | 'webp' | 'tiff';

/** The kinds of mutation, as counted in the report. */
export const MUTATIONS = ['bit-flips', 'byte-run', 'truncation', 'splice', 'header-size', 'header-field', 'length-field'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Values that break size arithmetic: zero, one, powers of two and their neighbours, maxima. */
const INTERESTING_16 = [0, 1, 2, 255, 256, 4095, 16383, 16384, 32767, 32768, 65534, 65535];
const INTERESTING_32 = [...INTERESTING_16, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 1_000_000, 100_000_000];

function flipBits(rng: Rng, bytes: Buffer): string {
  const flips = rng.int(1, 16);
  for (let i = 0; i < flips; i += 1) bytes[rng.int(0, bytes.length - 1)] ^= 1 << rng.int(0, 7);
  return `${flips} bits`;
}

function byteRun(rng: Rng, bytes: Buffer): string {
  const length = Math.min(bytes.length, rng.int(1, 256));
  const at = rng.int(0, bytes.length - length);
  const fill = rng.pick(['zeros', 'ones', 'random'] as const);
  for (let i = at; i < at + length; i += 1) bytes[i] = fill === 'zeros' ? 0 : fill === 'ones' ? 0xff : rng.int(0, 255);
  return `${length} ${fill} at ${at}`;
}

/** A copy of a random slice inserted elsewhere: repeated chunks and markers. */
function splice(rng: Rng, bytes: Buffer): Buffer {
  const length = rng.int(1, Math.min(4096, bytes.length));
  const from = rng.int(0, bytes.length - length);
  const to = rng.int(0, bytes.length);
  return Buffer.concat([bytes.subarray(0, to), bytes.subarray(from, from + length), bytes.subarray(to)]);
}

/** Sets one PNG IHDR field and recomputes the CRC, so that the decoder believes the header. */
function pngHeader(rng: Rng, bytes: Buffer, sizeOnly: boolean): string {
  const ihdr = pngChunks(bytes).find((chunk) => chunk.type === 'IHDR');
  if (!ihdr) return 'no IHDR';
  const data = ihdr.offset + 8;
  let what: string;
  if (sizeOnly) {
    const field = rng.pick(['width', 'height'] as const);
    const value = rng.pick(INTERESTING_32);
    bytes.writeUInt32BE(value, data + (field === 'width' ? 0 : 4));
    what = `IHDR ${field}=${value}`;
  } else {
    // Bit depth, colour type, compression, filter, interlace: bytes 8..12 of IHDR.
    const index = rng.int(8, 12);
    const value = rng.pick([0, 1, 2, 3, 4, 6, 8, 16, 255]);
    bytes[data + index] = value;
    what = `IHDR byte ${index}=${value}`;
  }
  bytes.writeUInt32BE(crc32(bytes.subarray(ihdr.offset + 4, data + ihdr.length)), data + ihdr.length);
  return what;
}

function jpegHeader(rng: Rng, bytes: Buffer, sizeOnly: boolean): string {
  const segments = jpegSegments(bytes);
  const sof = segments.find((segment) => isStartOfFrame(segment.marker));
  if (sizeOnly || !sof) {
    if (!sof) return 'no SOF';
    const field = rng.pick(['height', 'width'] as const);
    const value = rng.pick(INTERESTING_16);
    bytes.writeUInt16BE(value, sof.offset + (field === 'height' ? 5 : 7));
    return `SOF ${field}=${value}`;
  }
  // Precision, component count, or a component's sampling factors / table selector.
  const offsets = { precision: 4, components: 9, sampling: 11, table: 12 } as const;
  const field = rng.pick(Object.keys(offsets) as (keyof typeof offsets)[]);
  const value = rng.pick([0, 1, 2, 3, 4, 8, 12, 16, 0x11, 0x22, 0x44, 0xff]);
  bytes[sof.offset + offsets[field]] = value;
  return `SOF ${field}=${value}`;
}

/** RIFF/WebP: the canvas size of a VP8X, VP8L or VP8 bitstream header. */
function webpHeader(rng: Rng, bytes: Buffer, sizeOnly: boolean): string {
  const chunk = bytes.toString('latin1', 12, 16);
  if (!sizeOnly) {
    const value = rng.pick(INTERESTING_32);
    bytes.writeUInt32LE(value, 4); // RIFF size
    return `RIFF size=${value}`;
  }
  const value = rng.pick(INTERESTING_16);
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes) and start code (3 bytes), then 14-bit width and height.
    bytes.writeUInt16LE(value, 20 + 6 + (rng.next() < 0.5 ? 0 : 2));
    return `VP8 size field=${value}`;
  }
  if (chunk === 'VP8L') {
    // Signature byte, then 14-bit width-1 and height-1 packed little-endian.
    bytes.writeUInt16LE(value, 21 + (rng.next() < 0.5 ? 0 : 2));
    return `VP8L size bits=${value}`;
  }
  if (chunk === 'VP8X') {
    bytes.writeUIntLE(rng.pick(INTERESTING_32) & 0xffffff, 24 + (rng.next() < 0.5 ? 0 : 3), 3);
    return 'VP8X canvas size';
  }
  return `unknown chunk ${chunk}`;
}

/** The entries of the first TIFF IFD: tag and where its value field is. */
function tiffEntries(bytes: Buffer): { little: boolean; entries: { tag: number; type: number; at: number }[] } {
  const little = bytes.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > bytes.length) return { little, entries: [] };
  const count = u16(ifd);
  const entries: { tag: number; type: number; at: number }[] = [];
  for (let i = 0; i < count && ifd + 2 + 12 * (i + 1) <= bytes.length; i += 1) {
    const entry = ifd + 2 + 12 * i;
    entries.push({ tag: u16(entry), type: u16(entry + 2), at: entry + 8 });
  }
  return { little, entries };
}

/** TIFF tags worth lying about: sizes, sample layout, compression and where the strips are. */
const TIFF_SIZE_TAGS = [256, 257]; // ImageWidth, ImageLength
const TIFF_FIELD_TAGS = [258, 259, 262, 273, 277, 278, 279, 284]; // BitsPerSample .. PlanarConfiguration

function tiffHeader(rng: Rng, bytes: Buffer, sizeOnly: boolean): string {
  const { little, entries } = tiffEntries(bytes);
  const wanted = entries.filter((entry) => (sizeOnly ? TIFF_SIZE_TAGS : TIFF_FIELD_TAGS).includes(entry.tag));
  if (wanted.length === 0) return 'no such tag';
  const entry = rng.pick(wanted);
  // SHORT (3) values sit in the first two bytes of the value field, LONG (4) fill all four.
  if (entry.type === 3) {
    const value = rng.pick(INTERESTING_16);
    if (little) bytes.writeUInt16LE(value, entry.at);
    else bytes.writeUInt16BE(value, entry.at);
    return `tag ${entry.tag}=${value}`;
  }
  const value = rng.pick(INTERESTING_32);
  if (little) bytes.writeUInt32LE(value, entry.at);
  else bytes.writeUInt32BE(value, entry.at);
  return `tag ${entry.tag}=${value}`;
}

/** Sets the length field of one chunk or segment to a lie (its data left as it was). */
function lengthField(rng: Rng, bytes: Buffer, format: Format): string {
  if (format === 'png') {
    const chunk = rng.pick(pngChunks(bytes));
    const value = rng.pick(INTERESTING_32);
    bytes.writeUInt32BE(value, chunk.offset);
    return `${chunk.type} length=${value}`;
  }
  if (format === 'jpeg') {
    const segment = rng.pick(jpegSegments(bytes));
    const value = rng.pick(INTERESTING_16);
    bytes.writeUInt16BE(value, segment.offset + 2);
    return `marker ${segment.marker.toString(16)} length=${value}`;
  }
  if (format === 'webp') {
    const value = rng.pick(INTERESTING_32);
    bytes.writeUInt32LE(value, 16); // the first chunk's size
    return `${bytes.toString('latin1', 12, 16)} size=${value}`;
  }
  // TIFF: an entry's count, the length of its value array.
  const { little, entries } = tiffEntries(bytes);
  if (entries.length === 0) return 'no IFD';
  const entry = rng.pick(entries);
  const value = rng.pick(INTERESTING_32);
  if (little) bytes.writeUInt32LE(value, entry.at - 4);
  else bytes.writeUInt32BE(value, entry.at - 4);
  return `tag ${entry.tag} count=${value}`;
}

const HEADER_EDITS: Record<Format, (rng: Rng, bytes: Buffer, sizeOnly: boolean) => string> = {
  png: pngHeader,
  jpeg: jpegHeader,
  webp: webpHeader,
  tiff: tiffHeader,
};

export interface Mutant {
  readonly bytes: Buffer;
  readonly mutation: Mutation;
  /** What was changed, for replaying a failure by hand. */
  readonly detail: string;
}

/** One mutation of a valid encoded image, chosen and applied from the PRNG's next values. */
export function mutate(rng: Rng, original: Uint8Array, format: Format): Mutant {
  const mutation = rng.pick(MUTATIONS);
  let bytes: Buffer = Buffer.from(original);
  let detail: string;
  switch (mutation) {
    case 'bit-flips':
      detail = flipBits(rng, bytes);
      break;
    case 'byte-run':
      detail = byteRun(rng, bytes);
      break;
    case 'truncation': {
      const keep = rng.int(0, bytes.length - 1);
      bytes = bytes.subarray(0, keep);
      detail = `kept ${keep} of ${original.length} bytes`;
      break;
    }
    case 'splice':
      bytes = splice(rng, bytes);
      detail = `${bytes.length - original.length} bytes repeated`;
      break;
    case 'header-size':
      detail = HEADER_EDITS[format](rng, bytes, true);
      break;
    case 'header-field':
      detail = HEADER_EDITS[format](rng, bytes, false);
      break;
    case 'length-field':
      detail = lengthField(rng, bytes, format);
      break;
  }
  return { bytes, mutation, detail };
}
