import { PROBLEMS, problemType, type ProblemKind } from '../problems.js';

/*
 * Example values shown in the OpenAPI document. Tests check that each one is valid against its
 * schema and that every request example is accepted by the server, so they cannot drift.
 */

export const EXAMPLE_REQUEST_ID = '5b0f3a5e-1c7d-4e8b-9a55-0f1d2c3b4a69';
/** The embedded default model; a running gateway shows the model it serves instead. */
export const EXAMPLE_MODEL = { name: 'skinlesion-default', version: '1', inputSize: 128 } as const;

export const exampleProbabilities = { background: 0.00003, skin_edge: 0.0002, skin: 0.0259, nspl_a: 0.0116, nspl_b: 0.9622, spl: 0.0001 };

export const exampleLesion = {
  id: 'p0-l0',
  photo: 0,
  x: 600.43,
  y: 185.56,
  diameter: 21.54,
  box: [568, 153, 633, 218],
  modelClass: 'nspl_b',
  class: 'nspl_b',
  probabilities: exampleProbabilities,
  centreBlobShare: 0.0829,
  udScore: 1,
  udRank: 1,
};

export const examplePhoto = {
  width: 1600,
  height: 1200,
  blurScore: 24.02,
  blurThreshold: 1,
  blurred: false,
  skinFraction: 0.8496,
  adjustment: 'none',
  candidates: 12,
  truncated: false,
  timingsMs: { decode: 17.8, blur: 49.8, detect: 170.1, skin: 31.0, adjust: 0.1, crop: 19.5, centre: 53.4 },
};

export const exampleAnalysis = {
  model: { name: EXAMPLE_MODEL.name, version: EXAMPLE_MODEL.version },
  correction: true,
  photos: [examplePhoto],
  lesions: [exampleLesion],
  uglyDuckling: { ranked: true, lesions: 12 },
  counts: { background: 0, skin_edge: 0, skin: 0, nspl_a: 4, nspl_b: 8, spl: 0 },
  risk: 'HIGH',
  timingsMs: { tile: 383.7, classify: 354.4, uglyDuckling: 123.8, total: 913.9 },
};

export const exampleClassify = {
  model: { name: EXAMPLE_MODEL.name, version: EXAMPLE_MODEL.version },
  results: [{ probabilities: exampleProbabilities, class: 'nspl_b' }],
};

/** What the `detail` of each kind typically says, and the extension members it carries. */
const PROBLEM_SAMPLES: Record<ProblemKind, { detail: string; instance?: string; extra?: Record<string, unknown> }> = {
  'invalid-request': {
    detail: 'querystring/kind must be equal to one of the allowed values',
    extra: { errors: [{ in: 'querystring', path: '/kind', message: 'must be equal to one of the allowed values' }] },
  },
  'malformed-multipart': { detail: 'Unexpected end of form' },
  'no-image': { detail: 'the multipart body has no file part named "image"' },
  'empty-image': { detail: 'photo 0 is empty', extra: { photo: 0 } },
  'unexpected-part': { detail: 'file part "photo" is not accepted; name each photo part "image"', extra: { part: 'photo' } },
  'invalid-image': { detail: 'the bytes are not an image in a known format', extra: { photo: 0 } },
  'unsupported-media-type': {
    detail: 'Content-Type "text/plain" is not accepted here',
    extra: { accepted: ['multipart/form-data', 'image/jpeg', 'image/png', 'image/webp', 'image/tiff'] },
  },
  'photo-too-large': { detail: 'a photo may have at most 26214400 bytes', extra: { limit: 'MAX_UPLOAD_BYTES', max: 26214400 } },
  'too-many-photos': { detail: 'a request may carry at most 10 photos', extra: { limit: 'MAX_PHOTOS', max: 10 } },
  'too-many-parts': { detail: 'Reach parts limit' },
  'body-too-large': { detail: 'Request body is too large', extra: { limit: 'MAX_UPLOAD_BYTES', max: 26214400 } },
  'limit-exceeded': { detail: 'the image has 60000000 pixels, more than the limit of 50000000 (TILER_MAX_PIXELS)', extra: { limit: 'TILER_MAX_PIXELS', max: 50000000, photo: 0 } },
  'all-photos-blurred': {
    detail: 'the photo is too blurred to analyse',
    extra: { photos: [{ photo: 0, blurScore: 0.41, blurThreshold: 1 }] },
  },
  'unprocessable-input': { detail: 'the photo cannot be processed', extra: { photo: 0 } },
  'not-found': { detail: 'no route for GET /v1/analysis', instance: '/v1/analysis' },
  'method-not-allowed': { detail: 'Method Not Allowed' },
  unauthenticated: { detail: 'the API key is not valid' },
  forbidden: { detail: 'Not allowed' },
  'rate-limited': {
    detail: 'this client made more than 5 requests per second (bursts of 20); retry in 1 s',
    extra: { limit: 'RATE_LIMIT_PER_SECOND', max: 5, retryAfterSeconds: 1 },
  },
  'client-closed-request': { detail: 'the HTTP client closed the connection' },
  internal: { detail: 'internal error; quote the requestId when reporting it' },
  'not-implemented': { detail: 'this operation is not implemented' },
  'service-unavailable': { detail: 'classifier is unavailable; retry later', extra: { service: 'classifier' } },
  overloaded: { detail: 'classifier is at capacity; retry later', extra: { service: 'classifier' } },
  'not-ready': {
    detail: 'classifier 10.0.0.7:50052 is NOT_SERVING',
    instance: '/readyz',
    extra: { checks: [{ service: 'classifier', target: '10.0.0.7:50052', status: 'NOT_SERVING' }] },
  },
  'deadline-exceeded': { detail: 'the request did not finish within its deadline' },
};

/** A complete problem body of the given kind, as the gateway sends it. */
export function exampleProblem(kind: ProblemKind, instance = '/v1/analyses'): Record<string, unknown> {
  const sample = PROBLEM_SAMPLES[kind];
  return {
    type: problemType(kind),
    title: PROBLEMS[kind].title,
    status: PROBLEMS[kind].status,
    detail: sample.detail,
    instance: sample.instance ?? instance,
    requestId: EXAMPLE_REQUEST_ID,
    ...sample.extra,
  };
}
