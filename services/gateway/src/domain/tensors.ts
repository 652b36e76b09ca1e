/** Reads `count` little-endian float32 values, whatever the alignment of the source bytes. */
export function readFloat32LE(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteLength !== count * 4) {
    throw new RangeError(`expected ${count} float32 values (${count * 4} bytes), got ${bytes.byteLength} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  for (let index = 0; index < count; index += 1) values[index] = view.getFloat32(index * 4, true);
  return values;
}

/** Half-open [start, end) ranges of at most `size` items covering 0..total. */
export function chunkRanges(total: number, size: number): Array<readonly [number, number]> {
  if (!(size >= 1)) throw new RangeError('chunk size must be at least 1');
  const ranges: Array<readonly [number, number]> = [];
  for (let start = 0; start < total; start += size) ranges.push([start, Math.min(total, start + size)]);
  return ranges;
}

/**
 * Items [start, end) of a list stored as consecutive segments of fixed-size items (e.g. the crops
 * of several photos). A range inside one segment is a view, not a copy; only ranges that span
 * segments are copied, so a chunk costs memory only while it is in flight.
 */
export function gatherItems(segments: readonly Uint8Array[], itemBytes: number, start: number, end: number): Uint8Array {
  const pieces: Uint8Array[] = [];
  let segmentStart = 0;
  for (const segment of segments) {
    const segmentItems = segment.byteLength / itemBytes;
    const segmentEnd = segmentStart + segmentItems;
    const from = Math.max(start, segmentStart);
    const to = Math.min(end, segmentEnd);
    if (from < to) pieces.push(segment.subarray((from - segmentStart) * itemBytes, (to - segmentStart) * itemBytes));
    segmentStart = segmentEnd;
    if (segmentStart >= end) break;
  }
  const gathered = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
  if (gathered !== (end - start) * itemBytes) throw new RangeError(`items [${start}, ${end}) are outside the ${segmentStart} stored items`);
  if (pieces.length === 1) return pieces[0];
  return Buffer.concat(pieces);
}

/**
 * Groups items in order so that each group holds at most maxCount items and at most maxBytes
 * bytes (a single item larger than maxBytes still gets a group of its own). Used to keep each
 * gRPC message below the message-size limit.
 */
export function groupBySize(sizes: readonly number[], maxCount: number, maxBytes: number): Array<readonly [number, number]> {
  const groups: Array<readonly [number, number]> = [];
  let start = 0;
  let bytes = 0;
  sizes.forEach((size, index) => {
    const count = index - start;
    if (count > 0 && (count >= maxCount || bytes + size > maxBytes)) {
      groups.push([start, index]);
      start = index;
      bytes = 0;
    }
    bytes += size;
  });
  if (start < sizes.length) groups.push([start, sizes.length]);
  return groups;
}
