import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** Strict-Transport-Security max-age in seconds; 0 = no header (plain HTTP must keep working). */
  readonly hstsMaxAgeSeconds: number;
}

/**
 * What a browser may load for the gateway's pages: the web page (public/: one script file, one
 * stylesheet, no inline script or style attribute; photos shown from blob: URLs and drawn on
 * canvases) and Swagger UI at /docs (script and style files, data: images in its stylesheet and
 * for the logo, its document fetched from /docs/json). Nothing comes from another host and
 * nothing inline runs. The only casualty is the inline <style> of Swagger UI's own logo, which
 * the gateway replaces by its icon anyway. API answers (JSON) are not rendered, so the same policy
 * costs them nothing and keeps a response opened directly in a tab inert.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every answer carries. */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The old header for browsers that predate CSP's frame-ancestors: neither lets a page frame ours.
    'x-frame-options': 'DENY',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    // Other sites may not embed our answers (an <img> of a picture): CORS requests are not affected.
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
  // Only when asked: the gateway speaks plain HTTP and cannot know that a proxy in front of it
  // serves every client over HTTPS, and a wrong HSTS locks browsers out of the host.
  if (options.hstsMaxAgeSeconds > 0) headers['strict-transport-security'] = `max-age=${options.hstsMaxAgeSeconds}`;
  return headers;
}

/**
 * Sets the security headers on every response, error answers and preflights included. Call it on
 * the root instance before any other onRequest hook, so that a request refused by one of them
 * still gets the headers.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}
