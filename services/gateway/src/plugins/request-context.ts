import { AppError } from '@skinlesion/errors';
import { REQUEST_ID_HEADER } from '@skinlesion/logger';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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

/**
 * Gives each request its scope (id, deadline, cancellation) and echoes the id in the response.
 * Registered on the root instance as a plain function so the hook covers every route.
 */
export function registerRequestContext(app: FastifyInstance, options: { requestTimeoutMs: number }): void {
  app.decorateRequest('scope', null as unknown as RequestScope);
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    // 'close' also fires after a normal response; only a close before end() means the client left.
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) controller.abort(new AppError('CANCELLED', 'the HTTP client closed the connection'));
    });
    request.scope = {
      requestId: request.id,
      deadline: new Date(Date.now() + options.requestTimeoutMs),
      signal: controller.signal,
    };
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}
