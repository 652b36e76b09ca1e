import { Registry } from '@skinlesion/metrics';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../src/errors.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { apiKey } from '../src/domain/api-keys.js';
import { webPageRoutes } from '../src/routes/web.js';
import { startStack, TEST_OPTIONS, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, 1);
});
afterAll(async () => {
  await stack.close();
});

describe('the web page', () => {
  it('is served at / with the limits it enforces', async () => {
    const page = await stack.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const meta = /<meta name="skinlesion-limits" content="([^"]+)">/.exec(page.body);
    expect(JSON.parse((meta?.[1] ?? '').replaceAll('&quot;', '"'))).toEqual({
      maxUploadBytes: TEST_OPTIONS.maxUploadBytes,
      maxPhotos: TEST_OPTIONS.maxPhotos,
      apiKeyRequired: false,
    });
  });

  it('asks for an API key when the API needs one, and is itself served without one', async () => {
    const guarded = await startStack({ apiKeys: [apiKey('clinic', 'k-123456')] }, 1);
    try {
      const page = await guarded.app.inject('/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('&quot;apiKeyRequired&quot;:true');
      expect(page.body).toMatch(/<input type="password" id="api-key"/);
      expect((await guarded.app.inject('/assets/app.js')).body).toContain("'x-api-key'");
    } finally {
      await guarded.close();
    }
  });

  it('needs nothing from elsewhere: every file it references is served by the gateway', async () => {
    const page = await stack.app.inject('/');
    // Every src= and href= of the page.
    const references = [...page.body.matchAll(/(?:src|href)="([^"#]+)"/g)].map((match) => match[1]);
    expect(references).toEqual(expect.arrayContaining(['/assets/app.js', '/assets/app.css', '/favicon.svg', '/docs']));
    for (const reference of references) {
      expect(reference, 'a local path').toMatch(/^\//);
      expect((await stack.app.inject(reference)).statusCode, reference).toBe(200);
    }
    for (const [path, type] of [
      ['/assets/app.js', 'text/javascript; charset=utf-8'],
      ['/assets/app.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
    ]) {
      const response = await stack.app.inject(path);
      expect(response.headers['content-type'], path).toBe(type);
      // No URL of another host (the SVG's XML namespace is a name, not a fetch).
      expect(response.body.replace('http://www.w3.org/2000/svg', ''), path).not.toMatch(/https?:\/\//);
    }
  });

  it('is revalidated with its ETag', async () => {
    const first = await stack.app.inject('/assets/app.js');
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await stack.app.inject({ url: '/assets/app.js', headers: { 'if-none-match': etag } });
    expect([again.statusCode, again.body]).toEqual([304, '']);
  });

  it('is not part of the API document', async () => {
    const document = (await stack.app.inject('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path === '/' || path.startsWith('/assets') || path.startsWith('/docs'))).toEqual([]);
  });
});

describe('a gateway installed without the page', () => {
  it('still serves the API, and / is a 404 problem', async () => {
    const bare = Fastify();
    registerErrorHandling(bare, { limits: { maxUploadBytes: 1, maxPhotos: 1 }, metrics: createGatewayMetrics(new Registry()) });
    await bare.register(webPageRoutes, { maxUploadBytes: 1, maxPhotos: 1, dir: new URL('file:///nonexistent/public/') });
    bare.get('/api', async () => ({ ok: true }));
    const page = await bare.inject('/');
    expect(page.statusCode).toBe(404);
    expect(page.json()).toMatchObject({ type: 'https://skinlesion.dev/problems/not-found', detail: expect.stringMatching(/web page is not installed/) });
    expect((await bare.inject('/api')).json()).toEqual({ ok: true });
    await bare.close();
  });
});
