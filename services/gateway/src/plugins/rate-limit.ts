import type { FastifyInstance } from 'fastify';
import { clientNetwork } from '../domain/client-network.js';
import { endpointGroup } from '../domain/endpoint-groups.js';
import { TokenBuckets } from '../domain/token-bucket.js';
import type { GatewayMetrics } from '../metrics.js';
import { ProblemError } from '../problems.js';
import { documentRouteErrors } from '../schemas/route-errors.js';

export interface RateLimitOptions {
  /** Sustained requests per second per client; 0 = no rate limit. */
  readonly ratePerSecond: number;
  /** Requests a client may make at once: the bucket size. */
  readonly burst: number;
  /** Clients tracked at once. */
  readonly maxClients: number;
  /** A monotonic clock in milliseconds. */
  readonly now: () => number;
  readonly metrics: Pick<GatewayMetrics, 'rateLimited' | 'rateLimitClients'>;
}

/** What an unauthenticated client is called in metrics: addresses would be unbounded labels. */
const ANONYMOUS = 'anonymous';

/** What the OpenAPI document says about the rate limit when there is one. */
export function rateLimitNote(ratePerSecond: number, burst: number): string {
  return (
    `**Rate limit**: each API key (each client address when there are no keys) may make ${ratePerSecond} requests per second, in bursts of up to ${burst}; ` +
    'health and metrics are not limited. Past it the answer is 429 `rate-limited` with `Retry-After`; every limited answer carries ' +
    '`RateLimit-Limit` (the burst), `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the whole burst is available again).'
  );
}

/**
 * A token bucket per client in front of every route except health and metrics (probes and
 * scrapes must never be refused for being frequent). The client is the API key's name when the
 * request was authenticated (registerAuth runs first), else its address (see clientNetwork). A
 * refused request is answered 429 `rate-limited` before its body is read, with Retry-After: the
 * seconds until a token is available, rounded up. Every limited answer carries the state of its
 * bucket in the IETF httpapi draft's RateLimit-Limit / -Remaining / -Reset fields; for a token
 * bucket, Limit is the bucket size and Reset the seconds until it is full again. Call it on the
 * root instance after registerAuth and before any route is registered.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  if (options.ratePerSecond <= 0) return;
  const buckets = new TokenBuckets({ ratePerSecond: options.ratePerSecond, burst: options.burst, maxBuckets: options.maxClients, now: options.now });
  const limited = (url: string | undefined) => {
    const group = endpointGroup(url);
    return group !== 'health' && group !== 'metrics';
  };

  app.addHook('onRoute', (route) => {
    if (limited(route.url)) documentRouteErrors(route, ['rate-limited']);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!limited(request.routeOptions.url)) return;
    const client = request.apiClient;
    const take = buckets.take(client === undefined ? `address ${clientNetwork(request.ip)}` : `key ${client}`);
    options.metrics.rateLimitClients.set(buckets.size);
    reply.headers({
      'ratelimit-limit': String(options.burst),
      'ratelimit-remaining': String(take.remaining),
      'ratelimit-reset': String(Math.ceil(take.resetMs / 1000)),
    });
    if (take.allowed) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(take.retryAfterMs / 1000));
    reply.header('retry-after', String(retryAfterSeconds));
    options.metrics.rateLimited.inc({ client: client ?? ANONYMOUS });
    throw new ProblemError(
      'rate-limited',
      `this client made more than ${options.ratePerSecond} requests per second (bursts of ${options.burst}); retry in ${retryAfterSeconds} s`,
      { limit: 'RATE_LIMIT_PER_SECOND', max: options.ratePerSecond, retryAfterSeconds },
    );
  });
}
