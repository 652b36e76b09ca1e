import { decodeValues, elementCount, encodeValues, isDatatype, type Datatype, type TensorValue } from './datatypes.js';
import { BINARY_DATA_SIZE, type InferRequest, type Parameters } from './infer-request.js';
import { shortestFloat32 } from './float.js';

/** InferTensorContents as gRPC decodes it: every repeated field present, possibly empty. */
export type ContentsView = Readonly<Record<string, readonly unknown[] | undefined>>;

/** One output tensor of a ModelInferResponse, transport-free. */
export interface OutputTensorView {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly parameters: Parameters;
  /** raw_output_contents[i], when the server used them (this project's classifier does). */
  readonly raw?: Uint8Array;
  readonly contents?: ContentsView | null;
}

export interface InferResponseView {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id: string;
  readonly parameters: Parameters;
  readonly outputs: readonly OutputTensorView[];
}

export interface JsonOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Parameters;
  data?: TensorValue[];
}

/** The JSON part of an infer response (OIP REST), plus the binary tensors that follow it. */
export interface RenderedInferResponse {
  readonly json: {
    model_name: string;
    model_version?: string;
    id?: string;
    parameters?: Parameters;
    outputs: JsonOutputTensor[];
  };
  /** Tensors sent after the JSON, in output order; empty when every output is JSON. */
  readonly binary: readonly Uint8Array[];
}

/** Where the protocol puts each datatype in InferTensorContents (FP16 travels raw only). */
const CONTENTS_FIELD: Readonly<Partial<Record<Datatype, string>>> = {
  BOOL: 'boolContents',
  UINT8: 'uintContents',
  UINT16: 'uintContents',
  UINT32: 'uintContents',
  UINT64: 'uint64Contents',
  INT8: 'intContents',
  INT16: 'intContents',
  INT32: 'intContents',
  INT64: 'int64Contents',
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

function valuesFromContents(output: OutputTensorView, datatype: Datatype, count: number): TensorValue[] {
  const field = CONTENTS_FIELD[datatype];
  const values = (field ? output.contents?.[field] : undefined) ?? [];
  if (values.length !== count) {
    throw new RangeError(`output "${output.name}" has ${values.length} values in its contents, shape [${output.shape.join(', ')}] needs ${count}`);
  }
  if (datatype === 'BYTES') return values.map((value) => Buffer.from(value as Uint8Array).toString('utf8'));
  if (datatype === 'FP32') return values.map((value) => shortestFloat32(value as number));
  return values as TensorValue[];
}

/**
 * Turns a ModelInferResponse into the REST answer: each output as a JSON list, or, when the
 * request asked for it (binary tensor data extension), as raw bytes after the JSON with its
 * size in the output's `binary_data_size` parameter. Throws RangeError when the server's
 * answer does not add up (a server fault, not the client's).
 */
export function renderInferResponse(response: InferResponseView, request: InferRequest): RenderedInferResponse {
  const wanted = new Map(request.outputs.map((output) => [output.name, output]));
  const binary: Uint8Array[] = [];
  const outputs = response.outputs.map((output): JsonOutputTensor => {
    if (!isDatatype(output.datatype)) throw new RangeError(`output "${output.name}" has an unknown datatype ${output.datatype}`);
    const datatype = output.datatype;
    const count = elementCount(output.shape);
    const asBinary = wanted.get(output.name)?.binary ?? request.binaryOutputs;
    const tensor: JsonOutputTensor = { name: output.name, datatype, shape: [...output.shape] };
    const parameters: Parameters = { ...output.parameters };
    if (asBinary) {
      const raw = output.raw ?? encodeValues(datatype, valuesFromContents(output, datatype, count), `output "${output.name}"`);
      binary.push(raw);
      parameters[BINARY_DATA_SIZE] = raw.byteLength;
    } else {
      tensor.data = output.raw
        ? decodeValues(datatype, output.raw, count, `output "${output.name}"`)
        : valuesFromContents(output, datatype, count);
    }
    if (Object.keys(parameters).length > 0) tensor.parameters = parameters;
    return tensor;
  });
  return {
    json: {
      model_name: response.modelName,
      ...(response.modelVersion ? { model_version: response.modelVersion } : {}),
      ...(response.id ? { id: response.id } : {}),
      ...(Object.keys(response.parameters).length > 0 ? { parameters: response.parameters } : {}),
      outputs,
    },
    binary,
  };
}
