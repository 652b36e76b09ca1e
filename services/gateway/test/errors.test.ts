import { Registry } from '@skinlesion/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createClients } from '../src/clients.js';
import { photo, photoWith } from './support/fake-services.js';
import { problem, raw } from './support/problem.js';
import { multipart, startStack, TEST_OPTIONS, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

describe('client mistakes are 4xx problems', () => {
  it('multipart without an image part', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart([{ name: 'note', text: 'hello' }])) });
    expect(problem(response, 400, 'no-image').detail).toMatch(/image/);
  });

  it('a request without any body', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/classify' });
    problem(response, 400, 'no-image');
  });

  it('a file part with another name', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart([{ name: 'photo', data: photoWith([3]) }])) });
    expect(problem(response, 400, 'unexpected-part').part).toBe('photo');
  });

  it('an empty photo', async () => {
    problem(await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw('') }), 400, 'empty-image');
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart([{ data: photoWith([3]) }, { data: Buffer.alloc(0) }])) });
    expect(problem(response, 400, 'empty-image').photo).toBe(1);
  });

  it('a wrong content type', async () => {
    const text = problem(await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw('hello', 'text/plain') }), 415, 'unsupported-media-type');
    expect(text.accepted).toEqual(['multipart/form-data', 'image/jpeg', 'image/png', 'image/webp', 'image/tiff']);
    problem(await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw('{}', 'application/json') }), 415, 'unsupported-media-type');
    problem(await stack.app.inject({ method: 'POST', url: '/v1/classify', ...raw('GIF89a', 'image/gif') }), 415, 'unsupported-media-type');
    const part = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...(await multipart([{ data: photoWith([3]) }, { data: photoWith([3]), type: 'image/heic' }])),
    });
    expect(problem(part, 415, 'unsupported-media-type').photo).toBe(1);
  });

  it('a photo over the size limit, as raw body or part, names the limit', async () => {
    const big = Buffer.alloc(TEST_OPTIONS.maxUploadBytes + 1, 0x20);
    for (const response of [
      await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(big) }),
      await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart([{ data: photoWith([3]) }, { data: big }])) }),
    ]) {
      expect(problem(response, 413, 'photo-too-large')).toMatchObject({ limit: 'MAX_UPLOAD_BYTES', max: TEST_OPTIONS.maxUploadBytes });
    }
  });

  it('more photos than allowed names the limit', async () => {
    const parts = Array.from({ length: TEST_OPTIONS.maxPhotos + 1 }, () => ({ data: photoWith([3]) }));
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart(parts)) });
    expect(problem(response, 413, 'too-many-photos')).toMatchObject({ limit: 'MAX_PHOTOS', max: TEST_OPTIONS.maxPhotos });
  });

  it('a truncated multipart body', async () => {
    const { payload, headers } = await multipart([{ data: photoWith([3]) }]);
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers, payload: payload.subarray(0, payload.length - 20) });
    problem(response, 400, 'malformed-multipart');
  });

  it('every photo blurred is 422 with each photo\'s blur figures', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...(await multipart([{ data: photo({ blurred: true }) }, { data: photo({ blurred: true }) }])),
    });
    expect(problem(response, 422, 'all-photos-blurred').photos).toEqual([
      { photo: 0, blurScore: 1, blurThreshold: 3 },
      { photo: 1, blurScore: 1, blurThreshold: 3 },
    ]);
  });

  it('the tiler refusing a photo (INVALID_ARGUMENT) is a 400 naming the photo', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...(await multipart([{ data: photoWith([3]) }, { data: photo({ fail: { code: 'INVALID_ARGUMENT', message: 'not a JPEG, PNG, WebP or TIFF image' } }) }])),
    });
    const body = problem(response, 400, 'invalid-image');
    expect(body).toMatchObject({ detail: 'not a JPEG, PNG, WebP or TIFF image', photo: 1, service: 'tiler' });
    expect(body).not.toHaveProperty('upstream');
    expect(body).not.toHaveProperty('grpcCode');
  });

  it('a tiler limit (OUT_OF_RANGE) is a 422 naming the limit', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...raw(photo({ fail: { code: 'OUT_OF_RANGE', message: 'the photo has 60 megapixels', details: { limit: 'MAX_PIXELS', max: 50_000_000 } } })),
    });
    expect(problem(response, 422, 'limit-exceeded')).toMatchObject({ limit: 'MAX_PIXELS', max: 50_000_000, photo: 0 });
  });

  it('bad query parameters list what is wrong', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses/picture?kind=sketch', ...raw(photoWith([3])) });
    const body = problem(response, 400, 'invalid-request');
    expect(body.errors).toEqual([expect.objectContaining({ in: 'querystring' })]);
  });

  it('a picture of a photo that was not sent', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses/picture?kind=boxes&photo=1', ...raw(photoWith([3])) });
    expect(problem(response, 400, 'invalid-request').photos).toBe(1);
  });

  it('an unknown route', async () => {
    problem(await stack.app.inject({ method: 'GET', url: '/v1/nothing?x=1' }), 404, 'not-found');
  });
});

describe('server faults are 5xx problems that leak nothing internal', () => {
  it('a service answering UNAVAILABLE is 503 with Retry-After', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photo({ fail: { code: 'UNAVAILABLE', message: 'secret internal state' } })) });
    const body = problem(response, 503, 'service-unavailable');
    expect(response.headers['retry-after']).toBe('1');
    expect(body.service).toBe('tiler');
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('RESOURCE_EXHAUSTED is 503 with the service\'s own Retry-After', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...raw(photo({ fail: { code: 'RESOURCE_EXHAUSTED', message: 'queue full', details: { retryAfterSeconds: 2.5 } } })),
    });
    problem(response, 503, 'overloaded');
    expect(response.headers['retry-after']).toBe('3');
  });

  it('the classifier refusing what the gateway built is a 500, not the client\'s fault', async () => {
    for (const classifier of stack.classifiers) classifier.failInferWith = 'INVALID_ARGUMENT';
    try {
      const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photoWith([3])) });
      const body = problem(response, 500, 'internal');
      expect(body.detail).not.toContain('replica');
    } finally {
      for (const classifier of stack.classifiers) classifier.failInferWith = undefined;
    }
  });

  it('an unreachable service is 503 at once, not a timeout', async () => {
    // Port 1 on loopback refuses connections: the channel fails fast.
    const clients = createClients({ tilerAddr: '127.0.0.1:1', classifierAddrs: ['127.0.0.1:1'], uglyDucklingAddr: '127.0.0.1:1', grpcMaxMessageBytes: 64 * 1024 * 1024 });
    const app = buildApp({ ...clients, registry: new Registry() }, TEST_OPTIONS);
    try {
      const started = performance.now();
      const response = await app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photoWith([3])) });
      problem(response, 503, 'service-unavailable');
      expect(response.headers['retry-after']).toBe('1');
      expect(performance.now() - started).toBeLessThan(TEST_OPTIONS.requestTimeoutMs / 2);
    } finally {
      await app.close();
      clients.close();
    }
  });

  it('a request past its deadline is 504 and the tiler sees the call cancelled', async () => {
    const slow = await startStack({ requestTimeoutMs: 300 }, 1);
    try {
      const response = await slow.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photo({ hang: true })) });
      problem(response, 504, 'deadline-exceeded');
      await slow.tiler.cancelled;
    } finally {
      await slow.close();
    }
  });
});
