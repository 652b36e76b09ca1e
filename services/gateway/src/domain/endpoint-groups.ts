/**
 * The gateway's endpoints as the security settings see them:
 * - health: /healthz and /readyz, for probes;
 * - metrics: /metrics, for Prometheus;
 * - docs: the web page (/, its /assets and icon), Swagger UI (/docs...) and the OpenAPI document
 *   with its examples (/openapi.json, /openapi/...);
 * - api: everything else, including /v2/health/* (the inference protocol's own health calls,
 *   made by the same clients as its inference calls) and paths that are no route at all.
 */
export type EndpointGroup = 'health' | 'metrics' | 'docs' | 'api';

const HEALTH = new Set(['/healthz', '/readyz']);

/** The group of a route, by its URL template (fastify's routeOptions.url; undefined = no route). */
export function endpointGroup(url: string | undefined): EndpointGroup {
  if (url === undefined) return 'api';
  if (HEALTH.has(url)) return 'health';
  if (url === '/metrics') return 'metrics';
  if (url === '/' || url === '/favicon.svg' || url.startsWith('/assets/')) return 'docs';
  if (url === '/docs' || url.startsWith('/docs/') || url === '/openapi.json' || url.startsWith('/openapi/')) return 'docs';
  return 'api';
}
