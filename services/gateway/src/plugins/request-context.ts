import { AppError } from '@skinlesion/errors';
import { REQUEST_ID_HEADER } from '@skinlesion/logger';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ProblemError } from '../problems.js';

/** The client's own deadline for its request, in ms from arrival (gRPC's grpc-timeout, for HTTP). */
export const REQUEST_TIMEOUT_HEADER = 'x-request-timeout-ms';

/** What every gRPC call made for one HTTP request carries (grpc-kit's UnaryCallOptions). */
export interface RequestScope {
  readonly requestId: string;
  /** Absolute deadline of the whole request, propagated to every gRPC call. */
  readonly deadline: Date;
  /** Aborted when the HTTP client disconnects before its response was sent. */
  readonly signal: AbortSignal;
}

declare module 'fastify' {
  interface FastifyRequest {
    scope: RequestScope;
  }
}

// Ids are echoed into logs and headers and sent as gRPC metadata: accept only a short token of
// word characters, dots, colons and dashes; anything else gets a fresh id.
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** fastify's genReqId: the caller's x-request-id when it is acceptable, else a new UUID. */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTABLE_REQUEST_ID.test(value) ? value : randomUUID();
}

export interface RequestContextOptions {
  /** Deadline of a request that does not set its own, in ms. */
  readonly requestTimeoutMs: number;
  /** The longest deadline a client may ask for, in ms; longer ones are shortened to it. */
  readonly maxRequestTimeoutMs: number;
}

/** The request's time budget in ms: the client's header when present and valid, capped. */
export function requestTimeoutFor(header: string | string[] | undefined, options: RequestContextOptions): number {
  if (header === undefined) return options.requestTimeoutMs;
  const value = Array.isArray(header) ? header[0] : header;
  if (!/^\d{1,10}$/.test(value.trim()) || Number(value) < 1) {
    throw new ProblemError('invalid-request', `${REQUEST_TIMEOUT_HEADER} must be a whole number of milliseconds >= 1, got ${JSON.stringify(value.slice(0, 32))}`, {
      header: REQUEST_TIMEOUT_HEADER,
    });
  }
  return Math.min(Number(value), options.maxRequestTimeoutMs);
}

/**
 * Gives each request its scope (id, deadline, cancellation) and echoes the id in the response.
 * Registered on the root instance as a plain function so the hook covers every route.
 */
export function registerRequestContext(app: FastifyInstance, options: RequestContextOptions): void {
  app.decorateRequest('scope', null as unknown as RequestScope);
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    // 'close' also fires after a normal response; only a close before end() means the client left.
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) controller.abort(new AppError('CANCELLED', 'the HTTP client closed the connection'));
    });
    reply.header(REQUEST_ID_HEADER, request.id);
    const arrived = Date.now();
    // The default deadline first, so that a request refused for a bad header still has a scope.
    request.scope = { requestId: request.id, deadline: new Date(arrived + options.requestTimeoutMs), signal: controller.signal };
    const timeoutMs = requestTimeoutFor(request.headers[REQUEST_TIMEOUT_HEADER], options);
    if (timeoutMs !== options.requestTimeoutMs) request.scope = { ...request.scope, deadline: new Date(arrived + timeoutMs) };
  });
}
