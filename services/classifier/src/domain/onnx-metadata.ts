/**
 * Reads the metadata_props of an ONNX file (ModelProto field 14: repeated StringStringEntryProto
 * {key = 1, value = 2}) by walking the protobuf wire format of the top-level message, skipping
 * the graph and everything else by length: ONNX Runtime's Node API does not expose them.
 */

const METADATA_PROPS = 14;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.offset >= this.bytes.length) throw new Error('truncated varint');
      const byte = this.bytes[this.offset++];
      // Multiplication, not <<, so that values past 2^31 stay exact (up to 2^53).
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('varint longer than 10 bytes');
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new Error('truncated field');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** Reads one field: its number, and its bytes when length-delimited. */
  field(): { readonly number: number; readonly bytes?: Uint8Array } {
    const tag = this.varint();
    const number = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        this.varint();
        return { number };
      case 1:
        this.take(8);
        return { number };
      case 2:
        return { number, bytes: this.take(this.varint()) };
      case 5:
        this.take(4);
        return { number };
      default:
        throw new Error(`unsupported wire type ${tag % 8}`);
    }
  }
}

export function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const metadata = new Map<string, string>();
  try {
    const model = new Reader(bytes);
    while (!model.done) {
      const field = model.field();
      if (field.number !== METADATA_PROPS || field.bytes === undefined) continue;
      const entry = new Reader(field.bytes);
      let key = '';
      let value = '';
      while (!entry.done) {
        const part = entry.field();
        if (part.bytes === undefined) continue;
        if (part.number === 1) key = decoder.decode(part.bytes);
        else if (part.number === 2) value = decoder.decode(part.bytes);
      }
      metadata.set(key, value);
    }
  } catch (error) {
    throw new Error('not an ONNX model file (its protobuf encoding is broken)', { cause: error });
  }
  return metadata;
}
