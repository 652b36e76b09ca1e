import { encodePng } from '../domain/png.js';
import { SIGNATURE_NAME } from '../domain/predict/request.js';
import { EXAMPLE_MODEL } from './examples.js';

/*
 * TensorFlow Serving's (and Google AI Platform's) predict API, which the seed's client spoke.
 * Errors are {"error": "<message>"}, as TF Serving sends them.
 */

const image = {
  description: 'an image: [height][width][3] RGB numbers (0..1, or 0..255 when any value of the request exceeds 1), or {"b64": "<base64 JPEG, PNG, WebP or TIFF>"}; a named input, {"<name>": image}, is accepted too',
} as const;

/** A 2 x 2 skin-coloured image: small enough for an example, resized to the model input. */
const skin = [204, 153, 128];
const tinyImage = [
  [skin.map((v) => v / 255), skin.map((v) => v / 255)],
  [skin.map((v) => v / 255), skin.map((v) => v / 255)],
];
const tinyPng = encodePng(Uint8Array.from([...skin, ...skin, ...skin, ...skin]), 2, 2).toString('base64');

export const predictRequestSchema = {
  $id: 'PredictRequest',
  type: 'object',
  description: `Row format (\`instances\`) or columnar format (\`inputs\`), exactly one of them. Images of another size than the model's input are resized (bilinear, aspect ratio not kept), as the seed's client did before sending; numbers are rounded to 8-bit pixels and the model's own preprocessing applies.`,
  properties: {
    signature_name: { type: 'string', enum: [SIGNATURE_NAME], description: 'the model\'s only signature' },
    instances: { type: 'array', minItems: 1, items: image, description: 'one image per instance' },
    inputs: {
      description: 'columnar form: the batch of images, or {"<input name>": [images]}',
      oneOf: [{ type: 'array', minItems: 1, items: image }, { type: 'object', minProperties: 1, maxProperties: 1 }],
    },
  },
  oneOf: [{ required: ['instances'] }, { required: ['inputs'] }],
} as const;

export const predictExamples = {
  seed: {
    summary: "the seed's client: signature_name and nested 0..1 pixel lists (its images were 150 x 150 x 3; this one is 2 x 2)",
    value: { signature_name: SIGNATURE_NAME, instances: [tinyImage] },
  },
  b64: { summary: 'an encoded PNG image', value: { instances: [{ b64: tinyPng }] } },
  columnar: { summary: 'columnar form', value: { inputs: [tinyImage] } },
};

const predictionsSchema = {
  type: 'array',
  items: { type: 'array', items: { type: 'number' }, minItems: 6, maxItems: 6, description: 'background, skin_edge, skin, nspl_a, nspl_b, spl' },
  description: 'the six class probabilities per image, in the model\'s class order',
} as const;

const exampleRow = [0.00003, 0.0002, 0.0259, 0.0116, 0.9622, 0.0001];

export const predictResponseSchema = {
  $id: 'PredictResponse',
  type: 'object',
  description: '`predictions` for the row format, `outputs` for the columnar format',
  properties: { predictions: predictionsSchema, outputs: predictionsSchema },
  examples: [{ predictions: [exampleRow] }, { outputs: [exampleRow] }],
} as const;

export const predictPathParams = {
  type: 'object',
  required: ['model_name'],
  properties: {
    model_name: { type: 'string', description: 'the served model\'s name', examples: [EXAMPLE_MODEL.name] },
  },
} as const;

export const predictVersionPathParams = {
  type: 'object',
  required: ['model_name', 'model_version'],
  properties: {
    ...predictPathParams.properties,
    model_version: { type: 'string', description: 'the served model\'s version', examples: [EXAMPLE_MODEL.version] },
  },
} as const;

export const aiPlatformPathParams = {
  type: 'object',
  required: ['project', 'model_name'],
  properties: {
    project: { type: 'string', description: 'any project name (ignored): accepted so that AI Platform clients work unchanged', examples: ['my-project'] },
    ...predictPathParams.properties,
  },
} as const;
