import { REQUEST_ID_HEADER } from '@skinlesion/logger';
import type { FastifyInstance } from 'fastify';
import { allowOriginFor, type CorsOrigins } from '../domain/cors.js';
import { API_KEY_HEADER } from './auth.js';
import { REQUEST_TIMEOUT_HEADER } from './request-context.js';

export interface CorsOptions {
  /** '*', a list of origins, or [] for no CORS headers at all. */
  readonly origins: CorsOrigins;
  /** How long a browser may reuse a preflight answer, in seconds. */
  readonly maxAgeSeconds: number;
}

/** Every method a route of the gateway answers. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST'] as const;

/** Request headers a page may send beyond the CORS-safelisted ones. */
export const CORS_REQUEST_HEADERS = ['authorization', API_KEY_HEADER, 'content-type', REQUEST_ID_HEADER, REQUEST_TIMEOUT_HEADER] as const;

/** Response headers a page may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'] as const;

/**
 * Cross-origin access for the pages of the configured origins. A preflight (OPTIONS with
 * Access-Control-Request-Method) is answered here with 204, before authentication: browsers send
 * it without credentials, by design. Other requests get Access-Control-Allow-Origin and the
 * exposed headers when their Origin is allowed, and Vary: Origin always, so that a cache never
 * hands one origin's answer to another. No Access-Control-Allow-Credentials: keys travel in
 * headers the page sets itself, not in cookies. Nothing is registered when no origin is allowed.
 */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  if (options.origins !== '*' && options.origins.length === 0) return;
  const exposed = CORS_EXPOSED_HEADERS.join(', ');
  const preflight = {
    'access-control-allow-methods': CORS_METHODS.join(', '),
    'access-control-allow-headers': CORS_REQUEST_HEADERS.join(', '),
    'access-control-max-age': String(options.maxAgeSeconds),
  };

  app.addHook('onRequest', async (request, reply) => {
    reply.header('vary', 'Origin');
    const allowOrigin = allowOriginFor(options.origins, request.headers.origin);
    const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (isPreflight) {
      // A refused origin gets the 204 too, without the Allow headers: the browser then stops there.
      if (allowOrigin !== undefined) reply.header('access-control-allow-origin', allowOrigin).headers(preflight);
      return reply.code(204).send();
    }
    if (allowOrigin !== undefined) reply.header('access-control-allow-origin', allowOrigin).header('access-control-expose-headers', exposed);
  });
}
