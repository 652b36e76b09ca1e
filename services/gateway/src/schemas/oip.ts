import { DATATYPES } from '../domain/oip/datatypes.js';
import { BINARY_DATA, BINARY_DATA_OUTPUT, BINARY_DATA_SIZE } from '../domain/oip/infer-request.js';
import { EXAMPLE_MODEL } from './examples.js';

/*
 * The Open Inference Protocol (KServe V2) REST API, as the published specification defines it.
 * Its errors are {"error": "<message>"}, the specification's shape, not problem+json.
 */

/** Extensions listed by GET /v2. */
export const OIP_EXTENSIONS = ['binary_tensor_data'] as const;
export const INFERENCE_HEADER = 'inference-header-content-length';

const ref = (id: string) => ({ $ref: `${id}#` }) as const;

export const oipErrorSchema = {
  $id: 'OipError',
  type: 'object',
  description: 'An Open Inference Protocol error: the specification\'s {"error"} shape, used on /v2 (and /v1/models/...:predict) instead of problem+json',
  required: ['error'],
  properties: { error: { type: 'string' } },
  examples: [{ error: 'input shape must be [N, 128, 128, 3] (N crops of 128 x 128 px, 3 channels, 1 <= N <= 1024), got [1, 64, 64, 3]' }],
} as const;

export const serverMetadataSchema = {
  $id: 'ServerMetadata',
  type: 'object',
  required: ['name', 'version', 'extensions'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    extensions: { type: 'array', items: { type: 'string' }, description: 'protocol extensions this server supports' },
  },
  examples: [{ name: 'skinlesion', version: '0.1.0', extensions: [...OIP_EXTENSIONS] }],
} as const;

const parametersSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string' }] },
  description: 'protocol parameters: booleans, numbers or strings',
} as const;

const datatypeSchema = { type: 'string', enum: [...DATATYPES] } as const;

export const tensorMetadataSchema = {
  $id: 'TensorMetadata',
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype: datatypeSchema,
    shape: { type: 'array', items: { type: 'integer' }, description: '-1 marks a variable dimension' },
  },
} as const;

export function modelMetadataExample(model: { name: string; version: string; inputSize: number }, embeddingSize = 1856) {
  const size = model.inputSize;
  return {
    name: model.name,
    versions: [model.version],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, size, size, 3] }],
    outputs: [
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
      { name: 'embedding', datatype: 'FP32', shape: [-1, embeddingSize] },
    ],
  };
}

export const modelMetadataSchema = {
  $id: 'ModelMetadata',
  type: 'object',
  required: ['name', 'platform', 'inputs', 'outputs'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string', description: 'the framework and backend serving the model' },
    inputs: { type: 'array', items: ref('TensorMetadata') },
    outputs: { type: 'array', items: ref('TensorMetadata') },
  },
  examples: [modelMetadataExample(EXAMPLE_MODEL)],
} as const;

const tensorData = {
  type: 'array',
  description: 'the values in row-major order, flat or nested as the shape says; booleans for BOOL, strings for BYTES',
  items: {},
} as const;

export const inferRequestSchema = {
  $id: 'InferRequest',
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', description: 'echoed in the response' },
    parameters: {
      ...parametersSchema,
      description: `request parameters; \`${BINARY_DATA_OUTPUT}: true\` sends every output as binary data (binary tensor data extension)`,
    },
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
          datatype: datatypeSchema,
          parameters: {
            ...parametersSchema,
            description: `\`${BINARY_DATA_SIZE}\`: the tensor travels as that many bytes after the JSON instead of as \`data\``,
          },
          data: tensorData,
        },
      },
    },
    outputs: {
      type: 'array',
      description: 'the outputs wanted; all of them when absent',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          parameters: { ...parametersSchema, description: `\`${BINARY_DATA}: true\` sends this output as binary data after the JSON` },
        },
      },
    },
  },
} as const;

export const inferResponseSchema = {
  $id: 'InferResponse',
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    parameters: parametersSchema,
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer' } },
          datatype: datatypeSchema,
          parameters: { ...parametersSchema, description: `\`${BINARY_DATA_SIZE}\`: the output's bytes follow the JSON instead of \`data\`` },
          data: { ...tensorData, description: 'flat, row-major' },
        },
      },
    },
  },
  examples: [
    {
      model_name: EXAMPLE_MODEL.name,
      model_version: EXAMPLE_MODEL.version,
      id: 'crop-42',
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 6], data: [0.00003, 0.0002, 0.0259, 0.0116, 0.9622, 0.0001] }],
    },
  ],
} as const;

/** Where the gateway serves the example infer request for its model (see inferExamples). */
export const INFER_EXAMPLE_PATH = '/openapi/examples/infer-uint8.json';

/**
 * The example infer request: the specification's shape of request with one black crop of the
 * served model's input, S x S x 3 UINT8. A crop is S * S * 3 values (49152 at S = 128), too many
 * to inline (Swagger UI stalls on it) and S is only known at run time, so the document points
 * at it with externalValue and the gateway builds it for the model it serves.
 */
export function inferExamples(): Record<string, { summary: string; description: string; externalValue: string }> {
  return {
    uint8: {
      summary: 'one black crop as UINT8 pixels, probabilities only',
      description: '{"id": "crop-42", "inputs": [{"name": "input", "shape": [1, S, S, 3], "datatype": "UINT8", "data": [S * S * 3 values]}], "outputs": [{"name": "probabilities"}]}',
      externalValue: INFER_EXAMPLE_PATH,
    },
  };
}

/** The example infer request for a model of input size S (see inferExamples). */
export function inferExampleValue(inputSize: number): object {
  // Zeros print shortest: about 2 bytes per value.
  const black = new Array<number>(inputSize * inputSize * 3).fill(0);
  return { id: 'crop-42', inputs: [{ name: 'input', shape: [1, inputSize, inputSize, 3], datatype: 'UINT8', data: black }], outputs: [{ name: 'probabilities' }] };
}

export const modelPathParams = {
  type: 'object',
  required: ['model_name'],
  properties: {
    model_name: { type: 'string', description: 'the served model\'s name (GET /v2/models/{model_name} answers 404 for another)', examples: [EXAMPLE_MODEL.name] },
  },
} as const;

export const versionPathParams = {
  type: 'object',
  required: ['model_name', 'model_version'],
  properties: {
    ...modelPathParams.properties,
    model_version: { type: 'string', description: 'the served model\'s version', examples: [EXAMPLE_MODEL.version] },
  },
} as const;
