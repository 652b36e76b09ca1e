import { InvalidArgumentError } from '@skinlesion/errors';
import { float32FromLittleEndian } from './tensor-bytes.js';

/** The one input the classifier declares in its model metadata. */
export const INPUT_NAME = 'input';

/**
 * The datatypes ModelInfer accepts:
 * - UINT8: 0..255 RGB pixels, preprocessed by the classifier as its manifest says (the normal
 *   case: the tiler's crops);
 * - FP32: values already in the model's channel order and scale, passed to the model unchanged
 *   (what generic OIP clients such as Triton's perf_analyzer send).
 */
export type InputDatatype = 'UINT8' | 'FP32';

const BYTES_PER_ELEMENT: Record<InputDatatype, number> = { UINT8: 1, FP32: 4 };

/** Where the OIP specification puts each datatype when it travels in InferTensorContents. */
const CONTENTS_FIELD: Record<InputDatatype, 'uintContents' | 'fp32Contents'> = { UINT8: 'uintContents', FP32: 'fp32Contents' };
const CONTENTS_WIRE_NAME: Record<InputDatatype, string> = { UINT8: 'contents.uint_contents', FP32: 'contents.fp32_contents' };

type ContentsField =
  | 'boolContents'
  | 'intContents'
  | 'int64Contents'
  | 'uintContents'
  | 'uint64Contents'
  | 'fp32Contents'
  | 'fp64Contents'
  | 'bytesContents';

/** InferTensorContents as decoded from the wire: every repeated field present, possibly empty. */
export type TensorContentsView = Readonly<Partial<Record<ContentsField, readonly unknown[]>>>;

/** One InferInputTensor, transport-free. */
export interface InputTensorView {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly contents: TensorContentsView | null;
}

export interface InputRequestView {
  readonly inputs: readonly InputTensorView[];
  /** raw_input_contents: one entry per input when used. */
  readonly raw: readonly Uint8Array[];
}

export interface InputLimits {
  /** Side S of the model input: crops must be [N, S, S, 3]. */
  readonly inputSize: number;
  /** Largest N accepted in one request. */
  readonly maxItems: number;
}

/** N crops of S x S x 3, row-major NHWC. */
export type CropBatch =
  | { readonly datatype: 'UINT8'; readonly count: number; readonly size: number; readonly data: Uint8Array }
  | { readonly datatype: 'FP32'; readonly count: number; readonly size: number; readonly data: Float32Array };

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function expectedShape(limits: InputLimits): string {
  return `[N, ${limits.inputSize}, ${limits.inputSize}, 3] (N crops of ${limits.inputSize} x ${limits.inputSize} px, 3 channels, 1 <= N <= ${limits.maxItems})`;
}

function checkShape(shape: readonly number[], limits: InputLimits): number {
  const size = limits.inputSize;
  const wellFormed =
    shape.length === 4 && shape.every((dim) => Number.isSafeInteger(dim)) && shape[1] === size && shape[2] === size && shape[3] === 3;
  if (!wellFormed) {
    throw new InvalidArgumentError(`input shape must be ${expectedShape(limits)}, got ${formatShape(shape)}`, {
      expectedShape: [-1, size, size, 3],
      shape: [...shape],
    });
  }
  const count = shape[0];
  if (count < 1) throw new InvalidArgumentError(`input must hold at least one crop, got N = ${count}`, { shape: [...shape] });
  if (count > limits.maxItems) {
    throw new InvalidArgumentError(`input holds ${count} crops, more than the ${limits.maxItems} allowed per request: split it`, {
      limit: 'CLASSIFIER_MAX_ITEMS',
      max: limits.maxItems,
      count,
    });
  }
  return count;
}

function nonEmptyContents(contents: TensorContentsView | null): ContentsField[] {
  if (contents === null) return [];
  return (Object.keys(contents) as ContentsField[]).filter((field) => (contents[field]?.length ?? 0) > 0);
}

function fromRaw(bytes: Uint8Array, datatype: InputDatatype, elements: number, shape: readonly number[]): Uint8Array | Float32Array {
  const expectedBytes = elements * BYTES_PER_ELEMENT[datatype];
  if (bytes.byteLength !== expectedBytes) {
    throw new InvalidArgumentError(
      `raw_input_contents[0] holds ${bytes.byteLength} bytes, but ${datatype} ${formatShape(shape)} needs ${expectedBytes} (${elements} x ${BYTES_PER_ELEMENT[datatype]})`,
      { expectedBytes, bytes: bytes.byteLength },
    );
  }
  return datatype === 'UINT8' ? bytes : float32FromLittleEndian(bytes);
}

function fromContents(contents: TensorContentsView | null, datatype: InputDatatype, elements: number, shape: readonly number[]): Uint8Array | Float32Array {
  const present = nonEmptyContents(contents);
  const field = CONTENTS_FIELD[datatype];
  const misplaced = present.filter((name) => name !== field);
  if (misplaced.length > 0) {
    throw new InvalidArgumentError(`${datatype} data belongs in ${CONTENTS_WIRE_NAME[datatype]} or raw_input_contents, got ${misplaced.join(', ')}`);
  }
  const values = (contents?.[field] ?? []) as readonly number[];
  if (values.length !== elements) {
    throw new InvalidArgumentError(
      `${CONTENTS_WIRE_NAME[datatype]} holds ${values.length} values, but ${datatype} ${formatShape(shape)} needs ${elements}`,
      { expectedValues: elements, values: values.length },
    );
  }
  if (datatype === 'UINT8') {
    // uint_contents is uint32 on the wire: anything above 255 is not a pixel.
    const outOfRange = values.findIndex((value) => value > 255);
    if (outOfRange >= 0) throw new InvalidArgumentError(`UINT8 values must be 0..255, got ${values[outOfRange]} at index ${outOfRange}`);
    return Uint8Array.from(values);
  }
  return Float32Array.from(values);
}

function checkFinite(values: Float32Array): void {
  for (let index = 0; index < values.length; index += 1) {
    if (!Number.isFinite(values[index])) {
      throw new InvalidArgumentError(`FP32 input must be finite, got ${values[index]} at index ${index}`);
    }
  }
}

/**
 * Validates ModelInfer's inputs and returns the crops. Every refusal is an INVALID_ARGUMENT whose
 * message says what was expected, since the caller is usually a person reading a client error.
 */
export function decodeCrops(request: InputRequestView, limits: InputLimits): CropBatch {
  if (request.inputs.length !== 1) {
    throw new InvalidArgumentError(`expected exactly one input tensor, "${INPUT_NAME}", got ${request.inputs.length}`);
  }
  const input = request.inputs[0];
  if (input.name !== INPUT_NAME) {
    throw new InvalidArgumentError(`unknown input "${input.name}": the model has one input, "${INPUT_NAME}"`);
  }
  if (input.datatype !== 'UINT8' && input.datatype !== 'FP32') {
    throw new InvalidArgumentError(
      `input datatype must be UINT8 (0..255 RGB pixels) or FP32 (already in the model's channel order and scale), got "${input.datatype}"`,
    );
  }
  const datatype: InputDatatype = input.datatype;
  const count = checkShape(input.shape, limits);
  const elements = count * limits.inputSize * limits.inputSize * 3;

  let data: Uint8Array | Float32Array;
  if (request.raw.length > 0) {
    if (request.raw.length !== request.inputs.length) {
      throw new InvalidArgumentError(`raw_input_contents must have one entry per input (1), got ${request.raw.length}`);
    }
    if (nonEmptyContents(input.contents).length > 0) {
      throw new InvalidArgumentError('send the input data in raw_input_contents or in contents, not both');
    }
    data = fromRaw(request.raw[0], datatype, elements, input.shape);
  } else {
    data = fromContents(input.contents, datatype, elements, input.shape);
  }

  if (data instanceof Float32Array) {
    checkFinite(data);
    return { datatype: 'FP32', count, size: limits.inputSize, data };
  }
  return { datatype: 'UINT8', count, size: limits.inputSize, data };
}
