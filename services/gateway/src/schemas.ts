import { CLASS_NAMES } from './domain/classes.js';
import { PICTURE_KINDS } from './domain/pictures.js';
import { PROBLEM_TYPE_BASE } from './problems.js';

/*
 * JSON Schemas of the REST API. Routes validate their input and serialise their output with
 * them, and they are the single description of the API an OpenAPI document is generated from.
 */

export const PROBLEM_SCHEMA_ID = 'Problem';

export const problemSchema = {
  $id: PROBLEM_SCHEMA_ID,
  type: 'object',
  description: `RFC 9457 problem details; \`type\` is ${PROBLEM_TYPE_BASE}<kind> and stable per kind of error`,
  required: ['type', 'title', 'status', 'detail', 'instance'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    limit: { type: 'string', description: 'the configuration key of the limit that was exceeded' },
    max: { type: 'number', description: 'the value of that limit' },
  },
  // Kinds add their own members (photo, photos, accepted, errors, checks, service).
  additionalProperties: true,
} as const;

const problemRef = { $ref: `${PROBLEM_SCHEMA_ID}#` } as const;

/** Error responses every route can give. */
export const problemResponses = { '4xx': problemRef, '5xx': problemRef } as const;

const probabilitiesSchema = {
  type: 'object',
  required: [...CLASS_NAMES],
  properties: Object.fromEntries(CLASS_NAMES.map((name) => [name, { type: 'number', minimum: 0, maximum: 1 }])),
  additionalProperties: false,
} as const;

const classNameSchema = { type: 'string', enum: [...CLASS_NAMES] } as const;

const modelSchema = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: { type: 'string' }, version: { type: 'string' } },
} as const;

const photoSchema = {
  type: 'object',
  required: ['width', 'height', 'blurScore', 'blurThreshold', 'blurred', 'skinFraction', 'adjustment', 'candidates', 'truncated'],
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    blurScore: { type: 'number', description: 'variance of the Laplacian of the grey image' },
    blurThreshold: { type: 'number', description: 'floor(sqrt(H*W)/1000); below it the photo is blurred' },
    blurred: { type: 'boolean', description: 'a blurred photo contributes no lesions' },
    skinFraction: { type: 'number' },
    adjustment: { type: 'string', enum: ['none', 'stretch_and_clahe', 'clahe', 'unspecified'] },
    candidates: { type: 'integer', description: 'candidate lesions analysed in this photo' },
    truncated: { type: 'boolean', description: 'more candidates were found than MAX_CANDIDATES' },
    timingsMs: { type: 'object', additionalProperties: { type: 'number' }, description: "the tiler's own stage timings" },
  },
} as const;

const lesionSchema = {
  type: 'object',
  required: ['id', 'photo', 'x', 'y', 'diameter', 'box', 'modelClass', 'class', 'probabilities', 'centreBlobShare', 'udScore', 'udRank'],
  properties: {
    id: { type: 'string', description: 'p<photo>-l<index>' },
    photo: { type: 'integer', description: 'index of the photo in upload order' },
    x: { type: 'number' },
    y: { type: 'number' },
    diameter: { type: 'number' },
    box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[x0, y0, x1, y1], the 3d crop square' },
    modelClass: classNameSchema,
    class: { ...classNameSchema, description: 'after the step 5 correction, unless correction=false' },
    probabilities: probabilitiesSchema,
    centreBlobShare: { type: 'number' },
    udScore: { type: ['number', 'null'], description: '0..1, 1 = oddest; null when not ranked or not pigmented' },
    udRank: { type: ['integer', 'null'], description: '1 = oddest; null when not ranked or not pigmented' },
  },
} as const;

const countsSchema = {
  type: 'object',
  required: [...CLASS_NAMES],
  properties: Object.fromEntries(CLASS_NAMES.map((name) => [name, { type: 'integer' }])),
} as const;

export const analysisSchema = {
  type: 'object',
  required: ['model', 'correction', 'photos', 'lesions', 'uglyDuckling', 'counts', 'risk', 'timingsMs'],
  properties: {
    model: modelSchema,
    correction: { type: 'boolean' },
    photos: { type: 'array', items: photoSchema },
    lesions: { type: 'array', items: lesionSchema },
    uglyDuckling: {
      type: 'object',
      required: ['ranked', 'lesions'],
      properties: {
        ranked: { type: 'boolean' },
        reason: { type: 'string', description: 'why there is no ranking' },
        lesions: { type: 'integer', description: 'pigmented lesions considered' },
      },
    },
    counts: countsSchema,
    risk: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
    timingsMs: {
      type: 'object',
      required: ['tile', 'classify', 'uglyDuckling', 'total'],
      properties: {
        tile: { type: 'number' },
        classify: { type: 'number' },
        uglyDuckling: { type: 'number' },
        total: { type: 'number' },
      },
    },
  },
} as const;

export const classifySchema = {
  type: 'object',
  required: ['model', 'results'],
  properties: {
    model: modelSchema,
    results: {
      type: 'array',
      description: 'one result per uploaded image, in upload order',
      items: {
        type: 'object',
        required: ['probabilities', 'class'],
        properties: { probabilities: probabilitiesSchema, class: classNameSchema },
      },
    },
  },
} as const;

export const analysisQuerySchema = {
  type: 'object',
  properties: {
    correction: { type: 'boolean', default: true, description: 'apply the step 5 rule correction' },
  },
} as const;

export const pictureQuerySchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { type: 'string', enum: [...PICTURE_KINDS] },
    photo: { type: 'integer', minimum: 0, default: 0, description: 'index of the photo to draw' },
    correction: { type: 'boolean', default: true },
    maxWidth: { type: 'integer', minimum: 0, maximum: 16384, default: 0, description: 'scale the picture down to this width; 0 = full size' },
  },
} as const;

const readinessCheckSchema = {
  type: 'object',
  required: ['service', 'target', 'status'],
  properties: {
    service: { type: 'string' },
    target: { type: 'string' },
    status: { type: 'string' },
  },
} as const;

export const readySchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready'] },
    checks: { type: 'array', items: readinessCheckSchema },
  },
} as const;

export const liveSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] } },
} as const;
