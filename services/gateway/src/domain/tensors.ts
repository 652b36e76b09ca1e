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

/** Chunks smaller than this are not made just to spread work: a call's own cost would outweigh the gain. */
export const MIN_SPREAD_CHUNK = 4;

/**
 * Half-open [start, end) ranges covering 0..total in near-equal chunks (sizes differ by at most
 * one): the fewest chunks of at most `maxSize` items, or more, up to `spreadOver`, while each
 * keeps at least MIN_SPREAD_CHUNK items. Equal chunks over the replicas finish together; chunks
 * of the maximum size and a remainder would leave one replica working alone at the end.
 */
export function chunkRanges(total: number, maxSize: number, spreadOver = 1): Array<readonly [number, number]> {
  if (!(maxSize >= 1)) throw new RangeError('chunk size must be at least 1');
  if (total <= 0) return [];
  const chunks = Math.max(1, Math.ceil(total / maxSize), Math.min(spreadOver, Math.floor(total / MIN_SPREAD_CHUNK)));
  const ranges: Array<readonly [number, number]> = [];
  for (let chunk = 0; chunk < chunks; chunk += 1) ranges.push([Math.floor((chunk * total) / chunks), Math.floor(((chunk + 1) * total) / chunks)]);
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
