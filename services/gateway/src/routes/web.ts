import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProblemError } from '../problems.js';

/** The web page's files: few and fixed, so they are read once and served from memory. */
const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;

type FileName = keyof typeof FILES;

/** Where the page's files live: services/gateway/public, beside src/ and dist/. */
export const PUBLIC_DIR = new URL('../../public/', import.meta.url);

export interface WebPageOptions {
  /** What the page tells users before they upload, and checks itself. */
  readonly maxUploadBytes: number;
  readonly maxPhotos: number;
  /** The API needs a key: the page asks for one and sends it with each request. */
  readonly apiKeyRequired?: boolean;
  /** Where the files are; PUBLIC_DIR by default. */
  readonly dir?: URL;
}

/** The marker in index.html replaced by the limits the page enforces. */
const LIMITS_MARKER = '{{LIMITS}}';

/**
 * The clinician's web page at / (plain HTML, CSS and JavaScript, no framework, nothing fetched
 * from elsewhere: it works offline from the gateway alone). Files are served with an ETag and
 * revalidated on every load, so a new gateway version shows at once.
 */
export async function webPageRoutes(app: FastifyInstance, options: WebPageOptions): Promise<void> {
  const dir = options.dir ?? PUBLIC_DIR;
  const missing = (Object.keys(FILES) as FileName[]).filter((name) => !existsSync(new URL(name, dir)));
  if (missing.length > 0) {
    // An install without the page (e.g. an image that copied dist/ only) still serves the API.
    app.log.warn({ dir: fileURLToPath(dir), missing }, 'the web page files are missing: / answers 404');
    app.get('/', { schema: { hide: true } }, async () => {
      throw new ProblemError('not-found', 'the web page is not installed with this gateway; the API is at /docs');
    });
    return;
  }
  const limits = JSON.stringify({ maxUploadBytes: options.maxUploadBytes, maxPhotos: options.maxPhotos, apiKeyRequired: options.apiKeyRequired ?? false });
  const served = (Object.keys(FILES) as FileName[]).map((name) => {
    let body = readFileSync(new URL(name, dir));
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replace(LIMITS_MARKER, limits.replaceAll('"', '&quot;')));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { name, body, etag, type: FILES[name] };
  });

  for (const file of served) {
    const url = file.name === 'index.html' ? '/' : file.name === 'favicon.svg' ? '/favicon.svg' : `/assets/${file.name}`;
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      reply.header('etag', file.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type(file.type).send(file.body);
    });
  }
}
