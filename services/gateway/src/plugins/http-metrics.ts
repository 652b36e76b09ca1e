import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../metrics.js';

/**
 * A route template as people write it: "/v1/models/:model_name(^[^/:]+)::predict" (a parameter
 * with its pattern, then an escaped colon) becomes "/v1/models/:model_name:predict".
 */
export function routeLabel(url: string): string {
  // A parameter's pattern: "(" up to the next ")"; the patterns used here contain no ")".
  return url.replace(/\([^)]*\)/g, '').replaceAll('::', ':');
}

/**
 * Counts and times every request by route template (never the raw URL: unmatched paths share
 * one label so scanners cannot blow up the series count). A request is counted once whether it
 * completes or its client goes away.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.addHook('onRequest', async (request, reply) => {
    metrics.httpInFlight.inc();
    const started = performance.now();
    reply.raw.once('close', () => {
      metrics.httpInFlight.dec();
      const labels = {
        method: request.method,
        route: request.routeOptions.url === undefined ? 'unmatched' : routeLabel(request.routeOptions.url),
        status_code: String(reply.raw.writableEnded ? reply.statusCode : 499),
      };
      metrics.httpRequests.inc(labels);
      metrics.httpSeconds.observe(labels, (performance.now() - started) / 1000);
    });
  });
}
