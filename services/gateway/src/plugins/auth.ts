import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiKeyRing, type ApiKey } from '../domain/api-keys.js';
import { endpointGroup, type EndpointGroup } from '../domain/endpoint-groups.js';
import type { GatewayMetrics } from '../metrics.js';
import { ProblemError } from '../problems.js';
import { documentRouteErrors } from '../schemas/route-errors.js';

/** The protection space named in every challenge (RFC 7235 section 2.2). */
export const AUTH_REALM = 'skinlesion';

/** The header that carries a key for clients that cannot set Authorization. */
export const API_KEY_HEADER = 'x-api-key';

/** The OpenAPI security schemes: the same key, in either header. */
export const API_KEY_SECURITY_SCHEMES = {
  apiKeyHeader: { type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'an API key of the gateway, as x-api-key: <key>' },
  bearerKey: { type: 'http', scheme: 'bearer', description: 'an API key of the gateway, as Authorization: Bearer <key>' },
} as const;

/** An operation's requirement: one of the two schemes (OpenAPI ORs the entries of the list). */
const SECURITY_REQUIREMENT = Object.keys(API_KEY_SECURITY_SCHEMES).map((scheme) => ({ [scheme]: [] as string[] }));

declare module 'fastify' {
  interface FastifyRequest {
    /** The client name of the API key the request was authenticated with; undefined when none was needed. */
    apiClient: string | undefined;
  }
}

/** Which endpoints beyond the API need a key; the API always does once keys are configured. */
export interface KeyRequirements {
  readonly health: boolean;
  readonly metrics: boolean;
  readonly docs: boolean;
}

export interface AuthOptions {
  /** The accepted keys; none = authentication off. */
  readonly keys: readonly ApiKey[];
  readonly require: KeyRequirements;
  readonly metrics: Pick<GatewayMetrics, 'apiKeyRequests'>;
}

/** Whether a request to an endpoint of the group must carry a key, with keys configured. */
export function needsKey(group: EndpointGroup, require: KeyRequirements): boolean {
  return group === 'api' || require[group];
}

export type PresentedKey = { kind: 'none' } | { kind: 'conflict' } | { kind: 'key'; key: string };

// "Bearer <token>": the scheme name is case-insensitive and followed by one or more spaces (RFC 7235).
const BEARER = /^bearer +(\S+) *$/i;

/**
 * The key a request presents. Authorization in another scheme (Basic) counts as no key, as
 * RFC 6750 asks; an Authorization: Bearer and an x-api-key that differ are a conflict.
 */
export function presentedKey(headers: IncomingHttpHeaders): PresentedKey {
  const authorization = headers.authorization;
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization.trim())?.[1];
  const header = headers[API_KEY_HEADER];
  // Node joins a repeated x-api-key with ", ", which then matches no key.
  const apiKey = (Array.isArray(header) ? header.join(', ') : header)?.trim() || undefined;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return { kind: 'conflict' };
  const key = bearer ?? apiKey;
  return key === undefined ? { kind: 'none' } : { kind: 'key', key };
}

/**
 * The WWW-Authenticate value of a 401 (RFC 6750 section 3): the scheme and realm, and when the
 * request did carry a key, the error code and why it failed. Never the key.
 */
export function challenge(error?: { code: 'invalid_request' | 'invalid_token'; description: string }): string {
  const base = `Bearer realm="${AUTH_REALM}"`;
  return error ? `${base}, error="${error.code}", error_description="${error.description}"` : base;
}

const OPEN_ENDPOINTS: Record<keyof KeyRequirements, string> = {
  health: '/healthz and /readyz',
  metrics: '/metrics',
  docs: 'the web page, /docs and this document',
};

/** What the OpenAPI document says about authentication when keys are configured. */
export function authNote(require: KeyRequirements): string {
  const open = (Object.keys(OPEN_ENDPOINTS) as Array<keyof KeyRequirements>).filter((group) => !require[group]).map((group) => OPEN_ENDPOINTS[group]);
  return (
    `**Authentication**: operations that list a security requirement need an API key, sent as \`Authorization: Bearer <key>\` or \`${API_KEY_HEADER}: <key>\`; ` +
    `without a valid one the answer is 401 \`unauthenticated\` with a \`WWW-Authenticate\` challenge.` +
    (open.length > 0 ? ` Open without a key: ${open.join('; ')}.` : '')
  );
}

/**
 * API-key authentication in front of every route, when keys are configured: a request to an
 * endpoint that needs a key and carries none, or a wrong one, is answered 401 with a challenge
 * before any body is read or any slot taken. The client's name (never the key) goes into every
 * later log line of the request and into skinlesion_api_key_requests_total. Call it on the root
 * instance before any route is registered: the onRoute hook documents 401 and the security
 * requirement on each route that needs a key.
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('apiClient', undefined);
  if (options.keys.length === 0) return;
  const ring = new ApiKeyRing(options.keys);
  // Every client's series exists from the start, so that rate() sees its first request.
  for (const { name } of options.keys) options.metrics.apiKeyRequests.inc({ client: name }, 0);

  app.addHook('onRoute', (route) => {
    if (needsKey(endpointGroup(route.url), options.require)) documentRouteErrors(route, ['unauthenticated'], SECURITY_REQUIREMENT);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!needsKey(endpointGroup(request.routeOptions.url), options.require)) return;
    const presented = presentedKey(request.headers);
    if (presented.kind === 'none') {
      reply.header('www-authenticate', challenge());
      throw new ProblemError('unauthenticated', `an API key is required: send Authorization: Bearer <key> or ${API_KEY_HEADER}: <key>`);
    }
    if (presented.kind === 'conflict') {
      const description = `Authorization and ${API_KEY_HEADER} carry different keys`;
      reply.header('www-authenticate', challenge({ code: 'invalid_request', description }));
      throw new ProblemError('invalid-request', `${description}: send one key, in either header`, { header: API_KEY_HEADER });
    }
    const client = ring.identify(presented.key);
    if (client === undefined) {
      const description = 'the API key is not valid';
      reply.header('www-authenticate', challenge({ code: 'invalid_token', description }));
      throw new ProblemError('unauthenticated', description);
    }
    request.apiClient = client;
    // The same child for both: fastify logs "request completed" through the reply's logger.
    const log = request.log.child({ client });
    request.log = log;
    reply.log = log;
    options.metrics.apiKeyRequests.inc({ client });
  });
}
