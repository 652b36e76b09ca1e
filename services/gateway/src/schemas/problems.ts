import { REQUEST_ID_HEADER } from '@skinlesion/logger';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, PROBLEMS, problemType, type ProblemKind } from '../problems.js';
import { EXAMPLE_REQUEST_ID, exampleProblem } from './examples.js';

export const PROBLEM_SCHEMA_ID = 'Problem';

export const problemSchema = {
  $id: PROBLEM_SCHEMA_ID,
  type: 'object',
  description: `An RFC 9457 problem. \`type\` is ${PROBLEM_TYPE_BASE}<kind>, one stable URI per kind of error: branch on it, never on \`title\` or \`detail\`.`,
  required: ['type', 'title', 'status', 'detail', 'instance'],
  properties: {
    type: { type: 'string', format: 'uri', examples: [problemType('invalid-image')] },
    title: { type: 'string', description: 'the kind of error in words; fixed per type' },
    status: { type: 'integer', description: 'the HTTP status code' },
    detail: { type: 'string', description: 'this occurrence in words' },
    instance: { type: 'string', description: 'the request path' },
    requestId: { type: 'string', description: 'the x-request-id of the request, to quote when reporting it' },
    limit: { type: 'string', description: 'the configuration key of the limit that was exceeded' },
    max: { type: 'number', description: 'the value of that limit' },
    photo: { type: 'integer', description: 'the index of the photo at fault, in upload order' },
    service: { type: 'string', description: 'the backend service that is unavailable or overloaded' },
  },
  // Kinds add their own members (photos, accepted, errors, checks, part).
  additionalProperties: true,
  examples: [exampleProblem('invalid-image')],
} as const;

/** Response headers every answer carries. */
export const requestIdHeader = {
  [REQUEST_ID_HEADER]: {
    type: 'string',
    description: 'the request id: the caller\'s own when it sent an acceptable one, else a new UUID; it names the request in every service\'s logs',
    examples: [EXAMPLE_REQUEST_ID],
  },
} as const;

const retryAfterHeader = {
  'retry-after': { type: 'integer', description: 'seconds to wait before retrying', examples: [1] },
} as const;

/** What a 401 says about how to authenticate (RFC 6750). */
export const wwwAuthenticateHeader = {
  'www-authenticate': {
    type: 'string',
    description: 'Bearer realm="skinlesion", with error="invalid_token" when the key sent is not valid: send an API key as Authorization: Bearer <key> or x-api-key: <key>',
    examples: ['Bearer realm="skinlesion", error="invalid_token", error_description="the API key is not valid"'],
  },
} as const;

/** The per-client rate limit's state (the IETF httpapi RateLimit header fields), and Retry-After. */
export const rateLimitHeaders = {
  ...retryAfterHeader,
  'ratelimit-limit': { type: 'integer', description: 'requests the client may make at once: the token bucket size (RATE_LIMIT_BURST)', examples: [20] },
  'ratelimit-remaining': { type: 'integer', description: 'requests left now', examples: [0] },
  'ratelimit-reset': { type: 'integer', description: 'seconds until the whole limit is available again', examples: [4] },
} as const;

/** Headers a problem of this kind comes with, beyond the request id. */
export function problemHeaders(kind: ProblemKind): object {
  if (kind === 'service-unavailable' || kind === 'overloaded') return retryAfterHeader;
  if (kind === 'rate-limited') return rateLimitHeaders;
  if (kind === 'unauthenticated') return wwwAuthenticateHeader;
  return {};
}

/** Kinds every route can answer with: a bug, or a backend that is down, busy or too slow. */
export const SERVER_FAULTS: readonly ProblemKind[] = ['internal', 'service-unavailable', 'overloaded', 'deadline-exceeded'];

/** What an upload endpoint refuses before any backend sees the photos. */
export const UPLOAD_PROBLEMS: readonly ProblemKind[] = [
  'invalid-request',
  'malformed-multipart',
  'no-image',
  'empty-image',
  'unexpected-part',
  'invalid-image',
  'unsupported-media-type',
  'photo-too-large',
  'too-many-photos',
  'too-many-parts',
  'body-too-large',
  'limit-exceeded',
  'unprocessable-input',
];

/**
 * The error responses of a route, one per status code, built from the problem kinds it can
 * answer with: the schema narrows `type` to those kinds and there is one example per kind.
 */
export function problemResponses(kinds: readonly ProblemKind[], instance: string): Record<string, object> {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) {
    const { status } = PROBLEMS[kind];
    byStatus.set(status, [...(byStatus.get(status) ?? []), kind]);
  }
  const responses: Record<string, object> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: group.map((kind) => `\`${kind}\`: ${PROBLEMS[kind].title}`).join('; '),
      headers: Object.assign({}, requestIdHeader, ...group.map(problemHeaders)),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: {
            allOf: [{ $ref: `${PROBLEM_SCHEMA_ID}#` }, { type: 'object', properties: { type: { enum: group.map(problemType) } } }],
          },
          examples: Object.fromEntries(group.map((kind) => [kind, { summary: PROBLEMS[kind].title, value: exampleProblem(kind, instance) }])),
        },
      },
    };
  }
  return responses;
}
