import { AppError, type ErrorCode } from '@skinlesion/errors';

/**
 * RFC 9457 problem types. Each kind of error has one stable type URI,
 * `https://skinlesion.dev/problems/<kind>`, where <kind> is a key of PROBLEMS: clients branch on
 * `type`, never on `title` or `detail` (prose that may change). A kind is never renamed or reused
 * for another meaning; new kinds are added here and nowhere else.
 */
export const PROBLEM_TYPE_BASE = 'https://skinlesion.dev/problems/';

export const PROBLEMS = {
  // The request itself is malformed.
  'invalid-request': { status: 400, title: 'The request is invalid' },
  'malformed-multipart': { status: 400, title: 'The multipart body could not be parsed' },
  'no-image': { status: 400, title: 'The request carries no image' },
  'empty-image': { status: 400, title: 'An uploaded image is empty' },
  'unexpected-part': { status: 400, title: 'The multipart body has a part the endpoint does not accept' },
  'invalid-image': { status: 400, title: 'An uploaded image could not be read' },
  'unsupported-media-type': { status: 415, title: 'The media type is not supported' },
  // A configured limit was exceeded; the body names it in `limit` and gives its value in `max`.
  'photo-too-large': { status: 413, title: 'A photo exceeds the upload size limit' },
  'too-many-photos': { status: 413, title: 'The request has more photos than allowed' },
  'too-many-parts': { status: 413, title: 'The multipart body has more parts than allowed' },
  'body-too-large': { status: 413, title: 'The request body exceeds the size limit' },
  'limit-exceeded': { status: 422, title: 'The input exceeds a configured limit' },
  // Well-formed input that cannot be analysed.
  'all-photos-blurred': { status: 422, title: 'Every photo is too blurred to analyse' },
  'unprocessable-input': { status: 422, title: 'The input cannot be processed' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'Not allowed' },
  // Refused by the per-client rate limit; Retry-After and RateLimit-* say when to come back.
  'rate-limited': { status: 429, title: 'Too many requests' },
  // The client went away; nobody reads this body, but logs and metrics get a distinct status.
  'client-closed-request': { status: 499, title: 'The client closed the request' },
  // Server-side faults: the only kinds with a 5xx status.
  internal: { status: 500, title: 'Internal server error' },
  'not-implemented': { status: 501, title: 'Not implemented' },
  'service-unavailable': { status: 503, title: 'A backend service is unavailable' },
  overloaded: { status: 503, title: 'The service is overloaded' },
  'not-ready': { status: 503, title: 'The service is not ready' },
  'deadline-exceeded': { status: 504, title: 'The request took longer than its deadline' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

export function problemType(kind: ProblemKind): string {
  return PROBLEM_TYPE_BASE + kind;
}

/** The semantic code each kind carries when it travels as an AppError (e.g. through logs). */
const KIND_CODES: Record<ProblemKind, ErrorCode> = {
  'invalid-request': 'INVALID_ARGUMENT',
  'malformed-multipart': 'INVALID_ARGUMENT',
  'no-image': 'INVALID_ARGUMENT',
  'empty-image': 'INVALID_ARGUMENT',
  'unexpected-part': 'INVALID_ARGUMENT',
  'invalid-image': 'INVALID_ARGUMENT',
  'unsupported-media-type': 'INVALID_ARGUMENT',
  'photo-too-large': 'OUT_OF_RANGE',
  'too-many-photos': 'OUT_OF_RANGE',
  'too-many-parts': 'OUT_OF_RANGE',
  'body-too-large': 'OUT_OF_RANGE',
  'limit-exceeded': 'OUT_OF_RANGE',
  'all-photos-blurred': 'FAILED_PRECONDITION',
  'unprocessable-input': 'FAILED_PRECONDITION',
  'not-found': 'NOT_FOUND',
  'method-not-allowed': 'INVALID_ARGUMENT',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'PERMISSION_DENIED',
  'rate-limited': 'RESOURCE_EXHAUSTED',
  'client-closed-request': 'CANCELLED',
  internal: 'INTERNAL',
  'not-implemented': 'UNIMPLEMENTED',
  'service-unavailable': 'UNAVAILABLE',
  overloaded: 'RESOURCE_EXHAUSTED',
  'not-ready': 'UNAVAILABLE',
  'deadline-exceeded': 'DEADLINE_EXCEEDED',
};

/** An AppError that already knows its HTTP problem kind; `details` become extension members. */
export class ProblemError extends AppError {
  readonly kind: ProblemKind;

  constructor(kind: ProblemKind, detail: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(KIND_CODES[kind], detail, details, options);
    this.name = 'ProblemError';
    this.kind = kind;
  }
}

/** The kind an AppError from anywhere (this process or a gRPC service) is reported as. */
export function kindOfCode(code: ErrorCode): ProblemKind {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return 'invalid-image';
    case 'FAILED_PRECONDITION':
      return 'unprocessable-input';
    case 'OUT_OF_RANGE':
      return 'limit-exceeded';
    case 'NOT_FOUND':
      return 'not-found';
    case 'RESOURCE_EXHAUSTED':
      return 'overloaded';
    case 'UNAVAILABLE':
      return 'service-unavailable';
    case 'DEADLINE_EXCEEDED':
      return 'deadline-exceeded';
    case 'CANCELLED':
      return 'client-closed-request';
    case 'UNAUTHENTICATED':
      return 'unauthenticated';
    case 'PERMISSION_DENIED':
      return 'forbidden';
    case 'UNIMPLEMENTED':
      return 'not-implemented';
    case 'INTERNAL':
      return 'internal';
  }
}

/** The RFC 9457 body; extension members (limit, max, photo, service, ...) sit beside the five. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
