import { InvalidArgumentError } from '@skinlesion/errors';
import { fromFloat16Bits, shortestFloat32, toFloat16Bits } from './float.js';

/** The Open Inference Protocol's tensor datatypes. */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type Datatype = (typeof DATATYPES)[number];

/** A JSON tensor element: numbers, booleans for BOOL, strings for BYTES. */
export type TensorValue = number | boolean | string;

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

/** Bytes per element in the raw (binary) form; BYTES elements have their own length prefix. */
export const ELEMENT_BYTES: Readonly<Record<Exclude<Datatype, 'BYTES'>, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
};

/** Integer ranges; 64-bit ones are limited to what a JSON number holds exactly. */
const INTEGER_RANGES: Readonly<Partial<Record<Datatype, readonly [number, number]>>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Number of elements of a shape; the shape must be a list of non-negative integers. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Raw bytes a tensor of this datatype and element count takes, or undefined for BYTES. */
export function rawByteLength(datatype: Datatype, count: number): number | undefined {
  return datatype === 'BYTES' ? undefined : ELEMENT_BYTES[datatype] * count;
}

function refuse(where: string, index: number, datatype: Datatype, value: unknown, expected: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : JSON.stringify(value);
  throw new InvalidArgumentError(`${where}: element ${index} is ${shown}, but ${datatype} needs ${expected}`, { index });
}

/**
 * The little-endian raw form of flat JSON values (the form raw_input_contents and the binary
 * tensor extension use). Every value is checked against the datatype, so a bad element is a
 * 400 naming its index rather than a silently wrapped number.
 */
export function encodeValues(datatype: Datatype, values: readonly unknown[], where: string): Uint8Array {
  if (datatype === 'BYTES') return encodeBytes(values, where);
  const bytes = new Uint8Array(ELEMENT_BYTES[datatype] * values.length);
  const view = new DataView(bytes.buffer);
  const range = INTEGER_RANGES[datatype];
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (datatype === 'BOOL') {
      if (typeof value !== 'boolean') refuse(where, index, datatype, value, 'true or false');
      bytes[index] = value ? 1 : 0;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      refuse(where, index, datatype, value, 'a finite number');
    }
    if (range) {
      if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
        refuse(where, index, datatype, value, `an integer in ${range[0]}..${range[1]}`);
      }
    }
    switch (datatype) {
      case 'UINT8':
        bytes[index] = value;
        break;
      case 'INT8':
        view.setInt8(index, value);
        break;
      case 'UINT16':
        view.setUint16(index * 2, value, true);
        break;
      case 'INT16':
        view.setInt16(index * 2, value, true);
        break;
      case 'UINT32':
        view.setUint32(index * 4, value, true);
        break;
      case 'INT32':
        view.setInt32(index * 4, value, true);
        break;
      case 'UINT64':
        view.setBigUint64(index * 8, BigInt(value), true);
        break;
      case 'INT64':
        view.setBigInt64(index * 8, BigInt(value), true);
        break;
      case 'FP16':
        view.setUint16(index * 2, toFloat16Bits(value), true);
        break;
      case 'FP32':
        view.setFloat32(index * 4, value, true);
        break;
      case 'FP64':
        view.setFloat64(index * 8, value, true);
        break;
    }
  }
  return bytes;
}

/** BYTES elements: each a 4-byte little-endian length, then that many bytes (UTF-8 here). */
function encodeBytes(values: readonly unknown[], where: string): Uint8Array {
  const encoded = values.map((value, index) => {
    if (typeof value !== 'string') refuse(where, index, 'BYTES', value, 'a string');
    return Buffer.from(value, 'utf8');
  });
  const out = Buffer.alloc(encoded.reduce((sum, item) => sum + 4 + item.length, 0));
  let offset = 0;
  for (const item of encoded) {
    out.writeUInt32LE(item.length, offset);
    item.copy(out, offset + 4);
    offset += 4 + item.length;
  }
  return out;
}

/**
 * Flat JSON values of a raw little-endian tensor. 64-bit integers beyond 2^53 lose precision
 * as JSON numbers (as in every JSON OIP server); the binary form carries them exactly.
 */
export function decodeValues(datatype: Datatype, bytes: Uint8Array, count: number, where: string): TensorValue[] {
  if (datatype === 'BYTES') return decodeBytes(bytes, count, where);
  const expected = ELEMENT_BYTES[datatype] * count;
  if (bytes.byteLength !== expected) {
    throw new RangeError(`${where} holds ${bytes.byteLength} bytes, ${datatype} x ${count} needs ${expected}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Array<TensorValue>(count);
  for (let index = 0; index < count; index += 1) {
    switch (datatype) {
      case 'BOOL':
        values[index] = bytes[index] !== 0;
        break;
      case 'UINT8':
        values[index] = bytes[index];
        break;
      case 'INT8':
        values[index] = view.getInt8(index);
        break;
      case 'UINT16':
        values[index] = view.getUint16(index * 2, true);
        break;
      case 'INT16':
        values[index] = view.getInt16(index * 2, true);
        break;
      case 'UINT32':
        values[index] = view.getUint32(index * 4, true);
        break;
      case 'INT32':
        values[index] = view.getInt32(index * 4, true);
        break;
      case 'UINT64':
        values[index] = Number(view.getBigUint64(index * 8, true));
        break;
      case 'INT64':
        values[index] = Number(view.getBigInt64(index * 8, true));
        break;
      case 'FP16':
        values[index] = fromFloat16Bits(view.getUint16(index * 2, true));
        break;
      case 'FP32':
        values[index] = shortestFloat32(view.getFloat32(index * 4, true));
        break;
      case 'FP64':
        values[index] = view.getFloat64(index * 8, true);
        break;
    }
  }
  return values;
}

function decodeBytes(bytes: Uint8Array, count: number, where: string): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: string[] = [];
  let offset = 0;
  while (values.length < count) {
    if (offset + 4 > buffer.length) throw new RangeError(`${where} ends inside the length of element ${values.length}`);
    const length = buffer.readUInt32LE(offset);
    if (offset + 4 + length > buffer.length) throw new RangeError(`${where} ends inside element ${values.length}`);
    values.push(buffer.toString('utf8', offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (offset !== buffer.length) throw new RangeError(`${where} has ${buffer.length - offset} bytes after its ${count} elements`);
  return values;
}
