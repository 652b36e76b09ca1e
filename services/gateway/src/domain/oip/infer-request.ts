import { InvalidArgumentError } from '@skinlesion/errors';
import { elementCount, encodeValues, isDatatype, rawByteLength, DATATYPES, type Datatype } from './datatypes.js';

/** An OIP parameter value: the JSON scalars the protocol's InferParameter can carry. */
export type ParameterValue = boolean | number | string;
export type Parameters = Record<string, ParameterValue>;

/** Parameters of the binary tensor data extension; consumed here, never forwarded. */
export const BINARY_DATA_SIZE = 'binary_data_size';
export const BINARY_DATA = 'binary_data';
/** Triton's request-level default for outputs that do not say. */
export const BINARY_DATA_OUTPUT = 'binary_data_output';

/** Most dimensions a tensor may have; models have a handful, a deeper list is a mistake. */
const MAX_RANK = 16;

export interface InferInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly parameters: Parameters;
  /** The tensor in its raw little-endian form, whether it came as JSON or binary. */
  readonly raw: Uint8Array;
}

export interface RequestedOutput {
  readonly name: string;
  /** Send this output as binary data after the JSON rather than as a JSON list. */
  readonly binary: boolean;
  readonly parameters: Parameters;
}

export interface InferRequest {
  readonly id?: string;
  readonly parameters: Parameters;
  readonly inputs: readonly InferInput[];
  /** Empty: every output of the model. */
  readonly outputs: readonly RequestedOutput[];
  /** Whether outputs not listed in `outputs` go as binary data. */
  readonly binaryOutputs: boolean;
}

/** The body of an infer request split by the binary extension: the JSON header, then tensors. */
export interface InferBody {
  readonly json: string;
  readonly binary: Uint8Array;
}

function invalid(message: string, details: Record<string, unknown> = {}): InvalidArgumentError {
  return new InvalidArgumentError(message, details);
}

/**
 * Splits a request body by the Inference-Header-Content-Length header: without it the whole
 * body is JSON; with it, the first that many bytes are JSON and the rest are tensor bytes.
 */
export function splitInferBody(body: Uint8Array, headerLength: string | undefined): InferBody {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (headerLength === undefined) return { json: buffer.toString('utf8'), binary: new Uint8Array(0) };
  // A decimal byte count and nothing else.
  if (!/^\d{1,12}$/.test(headerLength.trim())) {
    throw invalid(`Inference-Header-Content-Length must be a byte count, got ${JSON.stringify(headerLength)}`);
  }
  const length = Number(headerLength.trim());
  if (length > buffer.length) {
    throw invalid(`Inference-Header-Content-Length is ${length} but the body has only ${buffer.length} bytes`);
  }
  return { json: buffer.toString('utf8', 0, length), binary: buffer.subarray(length) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseParameters(value: unknown, where: string): Parameters {
  if (value === undefined) return {};
  if (!isObject(value)) throw invalid(`${where} must be an object of parameters`);
  const parameters: Parameters = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'boolean' && typeof entry !== 'string' && !(typeof entry === 'number' && Number.isFinite(entry))) {
      throw invalid(`${where}.${key} must be a boolean, number or string`);
    }
    parameters[key] = entry;
  }
  return parameters;
}

function parseShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.length > MAX_RANK || !value.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw invalid(`${where}.shape must be a list of at most ${MAX_RANK} non-negative integers, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  return value as number[];
}

/**
 * The elements of `data` in row-major order. The protocol allows the flat list or the list
 * nested as the shape says; anything in between is refused with where it went wrong.
 */
export function flattenData(data: unknown, shape: readonly number[], where: string): unknown[] {
  if (!Array.isArray(data)) throw invalid(`${where}.data must be a list`);
  const total = elementCount(shape);
  if (shape.length <= 1 || !data.some(Array.isArray)) {
    if (data.length !== total) {
      throw invalid(`${where}.data holds ${data.length} values but shape [${shape.join(', ')}] needs ${total}`, { expected: total, got: data.length });
    }
    if (data.some(Array.isArray)) throw invalid(`${where}.data mixes lists and values`);
    return data;
  }
  const flat = new Array<unknown>(total);
  let next = 0;
  const walk = (node: unknown, depth: number, path: string) => {
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const size = Array.isArray(node) ? `a list of ${node.length}` : 'not a list';
      throw invalid(`${where}.data${path} is ${size}, but shape [${shape.join(', ')}] needs a list of ${shape[depth]} there`);
    }
    if (depth === shape.length - 1) {
      for (let index = 0; index < node.length; index += 1) {
        if (Array.isArray(node[index])) throw invalid(`${where}.data${path}[${index}] is a list, but shape [${shape.join(', ')}] has no more dimensions`);
        flat[next] = node[index];
        next += 1;
      }
      return;
    }
    for (let index = 0; index < node.length; index += 1) walk(node[index], depth + 1, `${path}[${index}]`);
  };
  walk(data, 0, '');
  return flat;
}

function parseInput(value: unknown, index: number, binary: { bytes: Uint8Array; offset: number }): InferInput {
  const where = `inputs[${index}]`;
  if (!isObject(value)) throw invalid(`${where} must be an object with name, shape, datatype and data`);
  const { name, datatype } = value;
  if (typeof name !== 'string' || name === '') throw invalid(`${where}.name must be a non-empty string`);
  const label = `input "${name}"`;
  if (!isDatatype(datatype)) throw invalid(`${label}: datatype must be one of ${DATATYPES.join(', ')}, got ${JSON.stringify(datatype)}`);
  const shape = parseShape(value.shape, label);
  const parameters = parseParameters(value.parameters, `${label}.parameters`);
  const count = elementCount(shape);
  const { [BINARY_DATA_SIZE]: binarySize, ...forwarded } = parameters;

  if (binarySize === undefined) {
    if (value.data === undefined) throw invalid(`${label} has neither data nor a ${BINARY_DATA_SIZE} parameter`);
    return { name, datatype, shape, parameters: forwarded, raw: encodeValues(datatype, flattenData(value.data, shape, label), label) };
  }
  if (value.data !== undefined) throw invalid(`${label} has both data and ${BINARY_DATA_SIZE}: send its values one way`);
  if (!Number.isSafeInteger(binarySize) || (binarySize as number) < 0) throw invalid(`${label}: ${BINARY_DATA_SIZE} must be a byte count`);
  const size = binarySize as number;
  const expected = rawByteLength(datatype, count);
  if (expected !== undefined && size !== expected) {
    throw invalid(`${label}: ${BINARY_DATA_SIZE} is ${size} but ${datatype} [${shape.join(', ')}] takes ${expected} bytes`, { expected, got: size });
  }
  if (binary.offset + size > binary.bytes.byteLength) {
    throw invalid(`${label}: the body ends ${binary.offset + size - binary.bytes.byteLength} bytes before its binary data does`);
  }
  const raw = binary.bytes.subarray(binary.offset, binary.offset + size);
  binary.offset += size;
  return { name, datatype, shape, parameters: forwarded, raw };
}

function parseOutput(value: unknown, index: number, binaryDefault: boolean): RequestedOutput {
  const where = `outputs[${index}]`;
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '') throw invalid(`${where} must be an object with a name`);
  const { [BINARY_DATA]: binary, ...parameters } = parseParameters(value.parameters, `${where}.parameters`);
  if (binary !== undefined && typeof binary !== 'boolean') throw invalid(`${where}.parameters.${BINARY_DATA} must be true or false`);
  return { name: value.name, binary: binary ?? binaryDefault, parameters };
}

/** An infer request's JSON (and binary tensors, if any) as plain values, every field checked. */
export function parseInferRequest(body: InferBody): InferRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.json);
  } catch (error) {
    throw invalid(`the request is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) throw invalid('the request must be a JSON object with "inputs"');
  if (json.id !== undefined && typeof json.id !== 'string') throw invalid('id must be a string');
  const { [BINARY_DATA_OUTPUT]: binaryOutput, ...parameters } = parseParameters(json.parameters, 'parameters');
  if (binaryOutput !== undefined && typeof binaryOutput !== 'boolean') throw invalid(`parameters.${BINARY_DATA_OUTPUT} must be true or false`);
  const binaryOutputs = binaryOutput ?? false;

  if (!Array.isArray(json.inputs) || json.inputs.length === 0) throw invalid('inputs must be a non-empty list of tensors');
  const binary = { bytes: body.binary, offset: 0 };
  const inputs = json.inputs.map((input, index) => parseInput(input, index, binary));
  if (binary.offset !== body.binary.byteLength) {
    throw invalid(`the body has ${body.binary.byteLength - binary.offset} bytes of binary data that no input's ${BINARY_DATA_SIZE} accounts for`);
  }
  const names = new Set<string>();
  for (const input of inputs) {
    if (names.has(input.name)) throw invalid(`input "${input.name}" is given twice`);
    names.add(input.name);
  }

  if (json.outputs !== undefined && !Array.isArray(json.outputs)) throw invalid('outputs must be a list');
  const outputs = (json.outputs ?? []).map((output, index) => parseOutput(output, index, binaryOutputs));
  return { ...(json.id !== undefined ? { id: json.id } : {}), parameters, inputs, outputs, binaryOutputs };
}
