import { CLASS_NAMES } from '../domain/classes.js';
import { PICTURE_KINDS } from '../domain/pictures.js';
import { IMAGE_MEDIA_TYPES, IMAGE_PART } from '../plugins/upload-types.js';
import { exampleAnalysis, exampleClassify, exampleLesion, examplePhoto, exampleProbabilities, EXAMPLE_MODEL } from './examples.js';

/*
 * JSON Schemas of the /v1 REST API. Routes validate their input and serialise their output
 * with them, and the OpenAPI document is generated from them. Schemas with an $id are shared
 * (registered once with addSchema) and become named components of the document.
 */

const ref = (id: string) => ({ $ref: `${id}#` }) as const;

export const probabilitiesSchema = {
  $id: 'Probabilities',
  type: 'object',
  description: 'the six class probabilities, summing to 1; classes in the model\'s output order',
  required: [...CLASS_NAMES],
  properties: Object.fromEntries(CLASS_NAMES.map((name) => [name, { type: 'number', minimum: 0, maximum: 1 }])),
  additionalProperties: false,
  examples: [exampleProbabilities],
} as const;

const classNameSchema = {
  type: 'string',
  enum: [...CLASS_NAMES],
  description: 'background, skin_edge, skin, nspl_a (non-suspicious pigmented lesion), nspl_b (non-suspicious, follow up), spl (suspicious)',
} as const;

export const modelSchema = {
  $id: 'Model',
  type: 'object',
  description: 'the model that answered',
  required: ['name', 'version'],
  properties: { name: { type: 'string' }, version: { type: 'string' } },
  examples: [{ name: EXAMPLE_MODEL.name, version: EXAMPLE_MODEL.version }],
} as const;

export const photoSchema = {
  $id: 'Photo',
  type: 'object',
  required: ['width', 'height', 'blurScore', 'blurThreshold', 'blurred', 'skinFraction', 'adjustment', 'candidates', 'truncated'],
  properties: {
    width: { type: 'integer', description: 'pixels, after EXIF orientation' },
    height: { type: 'integer', description: 'pixels, after EXIF orientation' },
    blurScore: { type: 'number', description: 'variance of the Laplacian of the grey image' },
    blurThreshold: { type: 'number', description: 'floor(sqrt(H*W)/1000); below it the photo is blurred' },
    blurred: { type: 'boolean', description: 'a blurred photo contributes no lesions' },
    skinFraction: { type: 'number', description: 'share of the photo\'s pixels that are skin, 0..1' },
    adjustment: { type: 'string', enum: ['none', 'stretch_and_clahe', 'clahe', 'unspecified'], description: 'colour adjustment chosen from the skin fraction' },
    candidates: { type: 'integer', description: 'candidate lesions analysed in this photo' },
    truncated: { type: 'boolean', description: 'more candidates were found than MAX_CANDIDATES' },
    timingsMs: { type: 'object', additionalProperties: { type: 'number' }, description: "the tiler's own stage timings, in ms" },
  },
  examples: [examplePhoto],
} as const;

export const lesionSchema = {
  $id: 'Lesion',
  type: 'object',
  required: ['id', 'photo', 'x', 'y', 'diameter', 'box', 'modelClass', 'class', 'probabilities', 'centreBlobShare', 'udScore', 'udRank'],
  properties: {
    id: { type: 'string', description: 'p<photo>-l<index>' },
    photo: { type: 'integer', description: 'index of the photo in upload order' },
    x: { type: 'number', description: 'centre, photo pixels' },
    y: { type: 'number', description: 'centre, photo pixels' },
    diameter: { type: 'number', description: 'blob diameter d, photo pixels' },
    box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[x0, y0, x1, y1], the 3d crop square in photo pixels' },
    modelClass: { ...classNameSchema, description: "the model's class (argmax of the probabilities)" },
    class: { ...classNameSchema, description: 'after the step 5 rule correction, unless correction=false' },
    probabilities: ref('Probabilities'),
    centreBlobShare: { type: 'number', description: 'area of the largest centre blob / crop area, 0 when none' },
    udScore: { type: ['number', 'null'], description: 'ugly-duckling score 0..1, 1 = oddest; null when not ranked or not pigmented' },
    udRank: { type: ['integer', 'null'], description: '1 = oddest; null when not ranked or not pigmented' },
  },
  examples: [exampleLesion],
} as const;

const countsSchema = {
  type: 'object',
  description: 'candidates per final class',
  required: [...CLASS_NAMES],
  properties: Object.fromEntries(CLASS_NAMES.map((name) => [name, { type: 'integer' }])),
} as const;

export const analysisSchema = {
  $id: 'Analysis',
  type: 'object',
  required: ['model', 'correction', 'photos', 'lesions', 'uglyDuckling', 'counts', 'risk', 'timingsMs'],
  properties: {
    model: ref('Model'),
    correction: { type: 'boolean', description: 'whether the step 5 rule correction was applied' },
    photos: { type: 'array', items: ref('Photo'), description: 'one per uploaded photo, in upload order' },
    lesions: { type: 'array', items: ref('Lesion'), description: 'every candidate of every photo, whatever its class' },
    uglyDuckling: {
      type: 'object',
      required: ['ranked', 'lesions'],
      properties: {
        ranked: { type: 'boolean' },
        reason: { type: 'string', description: 'why there is no ranking (fewer than 3 pigmented lesions)' },
        lesions: { type: 'integer', description: 'pigmented lesions considered, over all photos' },
      },
    },
    counts: countsSchema,
    risk: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'], description: 'pipeline step 8, from the counts of pigmented, nspl_b and spl lesions' },
    timingsMs: {
      type: 'object',
      description: 'wall time per stage of this request, in ms',
      required: ['tile', 'classify', 'uglyDuckling', 'total'],
      properties: {
        tile: { type: 'number' },
        classify: { type: 'number' },
        uglyDuckling: { type: 'number' },
        total: { type: 'number' },
      },
    },
  },
  examples: [exampleAnalysis],
} as const;

export const classifyReportSchema = {
  $id: 'ClassifyReport',
  type: 'object',
  required: ['model', 'results'],
  properties: {
    model: ref('Model'),
    results: {
      type: 'array',
      description: 'one result per uploaded image, in upload order',
      items: {
        type: 'object',
        required: ['probabilities', 'class'],
        properties: { probabilities: ref('Probabilities'), class: classNameSchema },
      },
    },
  },
  examples: [exampleClassify],
} as const;

export const analysisQuerySchema = {
  type: 'object',
  properties: {
    correction: { type: 'boolean', default: true, description: 'apply the step 5 rule correction', examples: [true] },
  },
} as const;

export const pictureQuerySchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: {
      type: 'string',
      enum: [...PICTURE_KINDS],
      description: 'boxes: yellow (nspl_b) and red (spl) boxes; heatmap: the ugly-duckling heat map (common = blue, odd = red); montage: the ranked crops',
      examples: ['boxes'],
    },
    photo: { type: 'integer', minimum: 0, default: 0, description: 'index of the photo to draw', examples: [0] },
    correction: { type: 'boolean', default: true, description: 'apply the step 5 rule correction' },
    maxWidth: { type: 'integer', minimum: 0, maximum: 16384, default: 0, description: 'scale the picture down to this width; 0 = full size', examples: [800] },
  },
} as const;

export const readinessCheckSchema = {
  $id: 'ReadinessCheck',
  type: 'object',
  required: ['service', 'target', 'status'],
  properties: {
    service: { type: 'string', enum: ['tiler', 'classifier', 'ugly-duckling'] },
    target: { type: 'string', description: 'host:port of the backend' },
    status: { type: 'string', description: 'its grpc.health.v1 status: SERVING, NOT_SERVING, UNKNOWN or UNREACHABLE' },
  },
} as const;

export const readySchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready'] },
    checks: { type: 'array', items: ref('ReadinessCheck') },
  },
  examples: [
    {
      status: 'ready',
      checks: [
        { service: 'tiler', target: '127.0.0.1:50051', status: 'SERVING' },
        { service: 'classifier', target: '127.0.0.1:50052', status: 'SERVING' },
        { service: 'ugly-duckling', target: '127.0.0.1:50053', status: 'SERVING' },
      ],
    },
  ],
} as const;

export const liveSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] } },
  examples: [{ status: 'ok' }],
} as const;

/** A binary body or part: an encoded image. */
const imageFile = { type: 'string', format: 'binary', description: 'an encoded JPEG, PNG, WebP or TIFF image' } as const;

/**
 * The request body of the upload endpoints, for the document only: the multipart parser and
 * readImages() check it (fastify cannot validate a streamed multipart body against a schema).
 */
export function uploadBody(what: string): object {
  return {
    description: `${what}: multipart/form-data with one or more parts named "${IMAGE_PART}", or a single image as the raw body with its image Content-Type`,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: [IMAGE_PART],
          properties: { [IMAGE_PART]: { type: 'array', items: imageFile, description: 'one part per image, in order' } },
        },
        encoding: { [IMAGE_PART]: { contentType: [...IMAGE_MEDIA_TYPES, 'application/octet-stream'].join(', ') } },
      },
      ...Object.fromEntries(IMAGE_MEDIA_TYPES.map((type) => [type, { schema: imageFile }])),
    },
  };
}
