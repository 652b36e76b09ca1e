import { isAppError, type AppError } from '@skinlesion/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UPLOAD_MEDIA_TYPES } from './plugins/upload-types.js';
import type { GatewayMetrics } from './metrics.js';
import { kindOfCode, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, PROBLEMS, problemType, ProblemError, type ProblemBody, type ProblemKind } from './problems.js';

export interface ErrorLimits {
  readonly maxUploadBytes: number;
  readonly maxPhotos: number;
}

/** Seconds a client should wait before retrying a 503, unless the service said otherwise. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** Details that describe our own topology (addresses, raw status names): logged, never sent. */
const INTERNAL_DETAILS = new Set(['upstream', 'grpcCode', 'problems']);

/** What a 5xx body may say about its cause: which service and limit, never its address or message. */
const SERVER_FAULT_DETAILS = new Set(['service', 'limit', 'retryAfterSeconds']);

/** 5xx kinds that are reports, not faults: their detail and members are written for clients. */
const PUBLIC_SERVER_KINDS = new Set<ProblemKind>(['not-ready']);

interface Classified {
  readonly kind: ProblemKind;
  readonly detail?: string;
  readonly extensions?: Record<string, unknown>;
}

/** Fastify's and @fastify/multipart's own error codes, each given the kind it means here. */
function classifyFastifyError(error: FastifyError, request: FastifyRequest, limits: ErrorLimits): Classified | undefined {
  const photoLimit = { limit: 'MAX_UPLOAD_BYTES', max: limits.maxUploadBytes };
  switch (error.code) {
    case 'FST_ERR_VALIDATION':
      return {
        kind: 'invalid-request',
        detail: error.message,
        extensions: {
          errors: (error.validation ?? []).map((issue) => ({
            in: error.validationContext ?? 'request',
            path: issue.instancePath,
            message: issue.message ?? 'invalid',
          })),
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return {
        kind: 'unsupported-media-type',
        detail: `Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted here`,
        extensions: { accepted: [...UPLOAD_MEDIA_TYPES] },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // Image bodies are photos; any other body is held to the same byte limit.
      return (request.headers['content-type'] ?? '').startsWith('image/')
        ? { kind: 'photo-too-large', detail: `a photo may have at most ${limits.maxUploadBytes} bytes`, extensions: photoLimit }
        : { kind: 'body-too-large', detail: error.message, extensions: photoLimit };
    case 'FST_REQ_FILE_TOO_LARGE':
      return { kind: 'photo-too-large', detail: `a photo may have at most ${limits.maxUploadBytes} bytes`, extensions: photoLimit };
    case 'FST_FILES_LIMIT':
      return {
        kind: 'too-many-photos',
        detail: `a request may carry at most ${limits.maxPhotos} photos`,
        extensions: { limit: 'MAX_PHOTOS', max: limits.maxPhotos },
      };
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { kind: 'too-many-parts', detail: error.message };
    case 'FST_PROTO_VIOLATION':
    case 'FST_MP_PREMATURE_CLOSE':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return { kind: 'malformed-multipart', detail: error.message };
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 404) return { kind: 'not-found', detail: error.message };
  if (status === 405) return { kind: 'method-not-allowed', detail: error.message };
  if (status === 413) return { kind: 'body-too-large', detail: error.message };
  if (status === 415) return { kind: 'unsupported-media-type', detail: error.message };
  // Any other 4xx fastify raises (bad JSON, bad headers) is the client's; its message is safe.
  if (status >= 400 && status < 500) return { kind: 'invalid-request', detail: error.message };
  return undefined;
}

function classifyAppError(error: AppError, clientGone: boolean): Classified {
  const kind = error instanceof ProblemError ? error.kind : kindOfCode(error.code);
  // CANCELLED means our client left only if it did; otherwise a service cancelled our call
  // (e.g. it was shutting down), which is a server-side failure the client may retry.
  if (kind === 'client-closed-request' && !clientGone) return { kind: 'service-unavailable', extensions: { ...error.details } };
  return { kind, detail: error.message, extensions: { ...error.details } };
}

function serverFaultDetail(kind: ProblemKind, extensions: Record<string, unknown>): string {
  const service = typeof extensions.service === 'string' ? extensions.service : 'a backend service';
  switch (kind) {
    case 'service-unavailable':
      return `${service} is unavailable; retry later`;
    case 'overloaded':
      return `${service} is at capacity; retry later`;
    case 'deadline-exceeded':
      return 'the request did not finish within its deadline';
    case 'not-implemented':
      return 'this operation is not implemented';
    default:
      return 'internal error; quote the requestId when reporting it';
  }
}

export interface Problem {
  readonly body: ProblemBody;
  readonly headers: Record<string, string>;
}

/**
 * The one mapping from anything thrown to an RFC 9457 problem. Client mistakes are 4xx with the
 * reason spelled out; only server faults are 5xx, and those never echo internal messages.
 */
export function toProblem(error: unknown, request: FastifyRequest, limits: ErrorLimits): Problem {
  const clientGone = request.scope?.signal.aborted ?? false;
  let classified: Classified | undefined;
  if (isAppError(error)) classified = classifyAppError(error, clientGone);
  else if (error instanceof Error && typeof (error as FastifyError).code === 'string') {
    classified = classifyFastifyError(error as FastifyError, request, limits);
  }
  classified ??= { kind: clientGone ? 'client-closed-request' : 'internal' };

  const { kind } = classified;
  const { status, title } = PROBLEMS[kind];
  const serverFault = status >= 500 && !PUBLIC_SERVER_KINDS.has(kind);
  const extensions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(classified.extensions ?? {})) {
    if (INTERNAL_DETAILS.has(key) || (serverFault && !SERVER_FAULT_DETAILS.has(key))) continue;
    extensions[key] = value;
  }
  const body: ProblemBody = {
    ...extensions,
    type: problemType(kind),
    title,
    status,
    detail: serverFault ? serverFaultDetail(kind, extensions) : (classified.detail ?? title),
    instance: request.url.split('?')[0] ?? '/',
    requestId: request.id,
  };
  const headers: Record<string, string> = {};
  if (kind === 'service-unavailable' || kind === 'overloaded') {
    const after = Number(extensions.retryAfterSeconds);
    headers['retry-after'] = String(Number.isFinite(after) && after > 0 ? Math.ceil(after) : DEFAULT_RETRY_AFTER_SECONDS);
  }
  return { body, headers };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.body.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE).send(problem.body);
}

/** What the error handlers need beside the request: the limits they name, and a counter. */
export interface ErrorReporting {
  readonly limits: ErrorLimits;
  readonly metrics: Pick<GatewayMetrics, 'problems'>;
}

/** Classifies, logs and counts one failed request; the answer's shape is the caller's choice. */
function reportError(error: unknown, request: FastifyRequest, reporting: ErrorReporting): Problem {
  const problem = toProblem(error, request, reporting.limits);
  const { status, type } = problem.body;
  const reason = error instanceof Error ? error.message : String(error);
  // A bug deserves its stack; a backend that is down or slow is an operational state, and a
  // refused request is the client's business: one line each.
  if (status >= 500 && status !== 503 && status !== 504) request.log.error({ err: error, status, type }, 'request failed');
  else if (status >= 500) request.log.warn({ status, type, reason }, 'backend unavailable');
  else request.log.info({ status, type, reason }, 'request refused');
  reporting.metrics.problems.inc({ kind: type.slice(PROBLEM_TYPE_BASE.length), status_code: String(status) });
  return problem;
}

function notFoundError(request: FastifyRequest): ProblemError {
  return new ProblemError('not-found', `no route for ${request.method} ${request.url.split('?')[0]}`);
}

/** Installs the error and not-found handlers on the root instance so every route shares them. */
export function registerErrorHandling(app: FastifyInstance, reporting: ErrorReporting): void {
  app.setErrorHandler((error, request, reply) => sendProblem(reply, reportError(error, request, reporting)));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, reportError(notFoundError(request), request, reporting)));
}

/**
 * The same classification answered in the inference protocols' own shape, {"error": "..."}
 * (Open Inference Protocol, TF Serving), for the scope it is called on. Headers (Retry-After)
 * and status codes are those of the problem the error would have been.
 */
export function registerProtocolErrors(scope: FastifyInstance, reporting: ErrorReporting, options: { notFound: boolean }): void {
  const send = (reply: FastifyReply, problem: Problem) =>
    reply.code(problem.body.status).headers(problem.headers).type('application/json').send({ error: problem.body.detail });
  scope.setErrorHandler((error, request, reply) => send(reply, reportError(error, request, reporting)));
  if (options.notFound) scope.setNotFoundHandler((request, reply) => send(reply, reportError(notFoundError(request), request, reporting)));
}
