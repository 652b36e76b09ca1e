/**
 * The Open Inference Protocol carries raw tensors little-endian and row-major. Typed arrays use
 * the host's byte order, so the copies below are plain memory copies on little-endian hosts
 * (x86, ARM) and byte swaps elsewhere.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads little-endian float32 values; the source may sit at any byte offset (gRPC buffers do). */
export function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`float32 data needs a multiple of 4 bytes, got ${bytes.byteLength}`);
  const values = new Float32Array(bytes.byteLength / 4);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < values.length; index += 1) values[index] = view.getFloat32(index * 4, true);
  }
  return values;
}

/** Little-endian bytes of float32 values; a view without copying on little-endian hosts. */
export function float32ToLittleEndian(values: Float32Array): Buffer {
  if (HOST_IS_LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.alloc(values.byteLength);
  for (let index = 0; index < values.length; index += 1) bytes.writeFloatLE(values[index], index * 4);
  return bytes;
}
