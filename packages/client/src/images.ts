/** An image to upload: bytes, a Blob (or File), or bytes with a file name and media type. */
export type ImageInput = Blob | Uint8Array | ArrayBuffer | { data: Blob | Uint8Array | ArrayBuffer; filename?: string; type?: string };

/** The media type of encoded image bytes, from their first bytes (the formats the API takes). */
export function sniffImageType(bytes: Uint8Array): string {
  const startsWith = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
  if (startsWith(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (startsWith(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  // RIFF....WEBP
  if (startsWith(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  // Little-endian (II*\0) or big-endian (MM\0*) TIFF.
  if (startsWith(0x49, 0x49, 0x2a, 0x00) || startsWith(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  // The server decides from the bytes; octet-stream is what it accepts for "some file".
  return 'application/octet-stream';
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/tiff': 'tif' };

function toBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** An image as a named Blob for a multipart part. */
export function imagePart(input: ImageInput, index: number): { blob: Blob; filename: string } {
  const described = input instanceof Blob || input instanceof Uint8Array || input instanceof ArrayBuffer ? { data: input } : input;
  const { data } = described;
  let blob: Blob;
  if (data instanceof Blob) {
    blob = described.type && described.type !== data.type ? new Blob([data], { type: described.type }) : data;
  } else {
    const bytes = toBytes(data);
    // Copied into a fresh ArrayBuffer-backed array: Blob takes no views of shared memory.
    blob = new Blob([new Uint8Array(bytes)], { type: described.type ?? sniffImageType(bytes) });
  }
  const fileName = (data as { name?: unknown }).name;
  const filename = described.filename ?? (typeof fileName === 'string' ? fileName : `image-${index}.${EXTENSIONS[blob.type] ?? 'bin'}`);
  return { blob, filename };
}
