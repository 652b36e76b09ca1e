import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../src/domain/analysis.js';
import type { ClassifyReport } from '../src/services/classify.js';
import { FAKE_EMBEDDING_SIZE, FAKE_MODEL, photo, photoWith } from './support/fake-services.js';
import { multipart, startStack, TEST_OPTIONS, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});
afterEach(() => {
  for (const classifier of stack.classifiers) {
    classifier.calls.length = 0;
    classifier.batches.length = 0;
    classifier.outputs.length = 0;
    classifier.failInferWith = undefined;
  }
  stack.tiler.calls.length = 0;
  stack.uglyDuckling.calls.length = 0;
  stack.uglyDuckling.requests.length = 0;
});

const inferCalls = (index: number) => stack.classifiers[index].calls.filter((call) => call.method === 'ModelInfer').length;
const crops = (index: number) => stack.classifiers[index].batches.reduce((sum, n) => sum + n, 0);

describe('POST /v1/analyses', () => {
  it('analyses two photos of one patient as one request', async () => {
    const first = photo({
      candidates: [
        { cls: 5, d: 20 }, // spl stays spl
        { cls: 4, blobs: 0 }, // no centre blob: corrected to skin
        { cls: 2, skin: 1, blobs: 1 }, // skin on pure skin with a blob: corrected to nspl_a
        { cls: 0 },
      ],
    });
    const second = photo({ candidates: [{ cls: 3, d: 12 }, { cls: 3, d: 30 }] });
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...(await multipart([{ data: first }, { data: second }])) });
    expect(response.statusCode).toBe(200);
    const report = response.json() as AnalysisReport;

    expect(report.model).toEqual(FAKE_MODEL);
    expect(report.correction).toBe(true);
    expect(report.photos).toHaveLength(2);
    expect(report.photos.map((entry) => entry.candidates)).toEqual([4, 2]);
    expect(report.photos[0]).toMatchObject({ width: 4000, height: 3000, blurScore: 12.5, blurThreshold: 3, blurred: false, adjustment: 'clahe', truncated: false });
    expect(report.lesions.map((lesion) => [lesion.id, lesion.photo, lesion.modelClass, lesion.class])).toEqual([
      ['p0-l0', 0, 'spl', 'spl'],
      ['p0-l1', 0, 'nspl_b', 'skin'],
      ['p0-l2', 0, 'skin', 'nspl_a'],
      ['p0-l3', 0, 'background', 'background'],
      ['p1-l0', 1, 'nspl_a', 'nspl_a'],
      ['p1-l1', 1, 'nspl_a', 'nspl_a'],
    ]);
    expect(report.lesions[0]).toMatchObject({ x: 100, y: 200, diameter: 20, box: [70, 170, 130, 230], centreBlobShare: 0.1 });
    expect(report.lesions[0].probabilities.spl).toBeCloseTo(0.9, 6);
    expect(report.counts).toEqual({ background: 1, skin_edge: 0, skin: 1, nspl_a: 3, nspl_b: 0, spl: 1 });
    expect(report.risk).toBe('HIGH');

    // One UD call over the PLs of both photos, with embeddings of the model's width.
    expect(stack.uglyDuckling.requests).toHaveLength(1);
    const [scored] = stack.uglyDuckling.requests;
    expect(scored.lesions.map((lesion) => lesion.id)).toEqual(['p0-l0', 'p0-l2', 'p1-l0', 'p1-l1']);
    expect(scored.embeddingSize).toBe(FAKE_EMBEDDING_SIZE);
    expect(scored.embeddings.length).toBe(4 * FAKE_EMBEDDING_SIZE * Float32Array.BYTES_PER_ELEMENT);
    expect(scored.lesions[0]).toMatchObject({ diameter: 20, centreBlobShare: expect.closeTo(0.1, 6) });
    expect(report.uglyDuckling).toEqual({ ranked: true, lesions: 4 });
    // The fake scores by diameter: 30 px is the oddest, 12 px (p0-l2 has d = 12 too) the least.
    const byId = Object.fromEntries(report.lesions.map((lesion) => [lesion.id, [lesion.udScore, lesion.udRank]]));
    expect(byId['p1-l1']).toEqual([1, 1]);
    expect(byId['p0-l1']).toEqual([null, null]);
    expect(byId['p0-l3']).toEqual([null, null]);
    expect(report.timingsMs).toEqual({ tile: expect.any(Number), classify: expect.any(Number), uglyDuckling: expect.any(Number), total: expect.any(Number) });
    expect(report.timingsMs.total).toBeGreaterThanOrEqual(report.timingsMs.tile);
  });

  it('takes one photo as the raw body and can switch the correction off', async () => {
    const body = photo({ candidates: [{ cls: 4, blobs: 0 }, { cls: 2, skin: 1 }] });
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses?correction=false', headers: { 'content-type': 'image/jpeg' }, payload: body });
    expect(response.statusCode).toBe(200);
    const report = response.json() as AnalysisReport;
    expect(report.correction).toBe(false);
    expect(report.lesions.map((lesion) => [lesion.modelClass, lesion.class])).toEqual([
      ['nspl_b', 'nspl_b'],
      ['skin', 'skin'],
    ]);
    expect(report.uglyDuckling.ranked).toBe(false);
    expect(report.uglyDuckling.reason).toMatch(/at least 3/);
    expect(report.risk).toBe('MEDIUM');
  });

  it('accepts parts typed application/octet-stream or not typed at all', async () => {
    // Hand-written so that the second part has no Content-Type header (FormData always adds one).
    const boundary = 'b0undary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      photoWith([3]),
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="b.jpg"\r\n\r\n`),
      photoWith([5, 5]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(response.statusCode).toBe(200);
    expect((response.json() as AnalysisReport).lesions.map((lesion) => [lesion.id, lesion.class])).toEqual([
      ['p0-l0', 'nspl_a'],
      ['p1-l0', 'spl'],
      ['p1-l1', 'spl'],
    ]);
  });

  it('reports a blurred photo and analyses the others', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      ...(await multipart([{ data: photo({ blurred: true }) }, { data: photoWith([3]) }])),
    });
    expect(response.statusCode).toBe(200);
    const report = response.json() as AnalysisReport;
    expect(report.photos.map((entry) => [entry.blurred, entry.candidates])).toEqual([
      [true, 0],
      [false, 1],
    ]);
    expect(report.lesions.map((lesion) => lesion.id)).toEqual(['p1-l0']);
  });

  it('skips the ugly-duckling call when there is no pigmented lesion', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': 'image/png' }, payload: photoWith([0, 2]) });
    const report = response.json() as AnalysisReport;
    expect(report.uglyDuckling).toEqual({ ranked: false, reason: 'no pigmented lesions were found', lesions: 0 });
    expect(report.risk).toBe('LOW');
    expect(stack.uglyDuckling.calls).toHaveLength(0);
  });

  it('spreads the chunks of all photos over both classifier replicas', async () => {
    // 2 photos x 40 candidates in chunks of 8: 10 ModelInfer calls.
    const body = await multipart([{ data: photoWith([3, 4, 2, 5], 40) }, { data: photoWith([1, 3], 40) }]);
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...body });
    expect(response.statusCode).toBe(200);
    const report = response.json() as AnalysisReport;
    expect(report.lesions).toHaveLength(80);
    // Crop order survives the scatter and gather: photo 0 cycles 3, 4, 2, 5.
    expect(report.lesions.slice(0, 8).map((lesion) => lesion.modelClass)).toEqual(['nspl_a', 'nspl_b', 'skin', 'spl', 'nspl_a', 'nspl_b', 'skin', 'spl']);
    expect(report.lesions.slice(40, 44).map((lesion) => lesion.modelClass)).toEqual(['skin_edge', 'nspl_a', 'skin_edge', 'nspl_a']);

    expect(inferCalls(0) + inferCalls(1)).toBe(10);
    expect(inferCalls(0)).toBeGreaterThanOrEqual(3);
    expect(inferCalls(1)).toBeGreaterThanOrEqual(3);
    expect(crops(0) + crops(1)).toBe(80);
    expect([...stack.classifiers[0].batches, ...stack.classifiers[1].batches].every((n) => n <= TEST_OPTIONS.classifyChunk)).toBe(true);

    const metrics = await stack.registry.metrics();
    for (const classifier of stack.classifiers) {
      expect(metrics).toContain(`skinlesion_classifier_crops_total{replica="${classifier.address}"}`);
    }
    expect(metrics).toMatch(/skinlesion_stage_seconds_count\{stage="classify"\} \d+/);
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/v1\/analyses",status_code="200"\} \d+/);
  });

  it('retries a chunk on the other replica when one answers UNAVAILABLE', async () => {
    stack.classifiers[1].failInferWith = 'UNAVAILABLE';
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': 'image/png' }, payload: photoWith([5, 3], 24) });
    expect(response.statusCode).toBe(200);
    const report = response.json() as AnalysisReport;
    expect(report.lesions.map((lesion) => lesion.modelClass)).toEqual(Array.from({ length: 24 }, (_, index) => (index % 2 === 0 ? 'spl' : 'nspl_a')));
    // The failing replica was tried, and everything it refused was done by the other one.
    expect(inferCalls(1)).toBeGreaterThan(0);
    expect(crops(1)).toBe(0);
    expect(crops(0)).toBe(24);
  });

  it('carries x-request-id to every gRPC call and echoes it', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      headers: { 'content-type': 'image/png', 'x-request-id': 'visit-2024.03:42' },
      payload: photoWith([3, 4, 5], 20),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('visit-2024.03:42');
    const calls = [...stack.tiler.calls, ...stack.classifiers.flatMap((classifier) => classifier.calls), ...stack.uglyDuckling.calls];
    expect(calls.map((call) => call.method)).toEqual(expect.arrayContaining(['Tile', 'ModelInfer', 'Score']));
    // ModelMetadata was read once by an earlier request; every call of this one carries its id.
    expect(calls.filter((call) => call.method !== 'ModelMetadata').every((call) => call.requestId === 'visit-2024.03:42')).toBe(true);
  });

  it('makes up a request id when there is none or it is not a plain token', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      headers: { 'content-type': 'image/png', 'x-request-id': 'bad id\twith spaces' },
      payload: photoWith([3]),
    });
    const id = response.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stack.tiler.calls.map((call) => call.requestId)).toEqual([id]);
  });
});

describe('POST /v1/analyses/picture', () => {
  it('renders the chosen photo with the marks its kind needs', async () => {
    const body = await multipart([{ data: photoWith([3]) }, { data: photo({ candidates: [{ cls: 5 }, { cls: 3 }, { cls: 4 }, { cls: 2 }] }) }]);
    const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses/picture?kind=boxes&photo=1&maxWidth=800', ...body });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const summary = JSON.parse(response.rawPayload.subarray(8).toString()) as { kind: string; labels: string[]; maxWidth: number };
    expect(summary).toEqual({ kind: 'PICTURE_KIND_BOXES', labels: ['p1-l0', 'p1-l2'], maxWidth: 800 });
    // The image rendered is the second upload.
    expect(JSON.parse(stack.tiler.renders.at(-1)!.image.toString())).toEqual({ candidates: [{ cls: 5 }, { cls: 3 }, { cls: 4 }, { cls: 2 }] });

    const heatmap = await stack.app.inject({ method: 'POST', url: '/v1/analyses/picture?kind=heatmap', headers: { 'content-type': 'image/png' }, payload: photoWith([5, 3, 4, 2]) });
    expect(heatmap.statusCode).toBe(200);
    const marks = stack.tiler.renders.at(-1)!.marks;
    expect(marks.map((mark) => [mark.label, mark.hasUd])).toEqual([
      ['p0-l0', true],
      ['p0-l1', true],
      ['p0-l2', true],
    ]);
    expect(marks.map((mark) => mark.udRank).sort()).toEqual([1, 2, 3]);
  });
});

describe('POST /v1/classify', () => {
  it('classifies each upload as one patch, in upload order', async () => {
    const classes = [5, 0, 3, 2, 4, 1, 5, 3, 0, 2, 4];
    const parts = classes.slice(0, TEST_OPTIONS.maxPhotos).map((cls) => ({ data: Buffer.from(JSON.stringify({ cls })) }));
    const response = await stack.app.inject({ method: 'POST', url: '/v1/classify', ...(await multipart(parts)) });
    expect(response.statusCode).toBe(200);
    const report = response.json() as ClassifyReport;
    expect(report.model).toEqual(FAKE_MODEL);
    expect(report.results.map((result) => result.class)).toEqual(['spl', 'background', 'nspl_a', 'skin']);
    expect(report.results[0].probabilities).toEqual({ background: 0.02, skin_edge: 0.02, skin: 0.02, nspl_a: 0.02, nspl_b: 0.02, spl: 0.9 });
    // One Patch call for the four images; only the probabilities were asked of the classifier.
    expect(stack.tiler.calls.filter((call) => call.method === 'Patch')).toHaveLength(1);
    expect(stack.classifiers.flatMap((classifier) => classifier.outputs)).toEqual([['probabilities']]);
  });

  it("spreads one photo's crops evenly over both replicas even when they would fit one call", async () => {
    const wide = await startStack({ classifyChunk: 64 });
    try {
      // 40 candidates, 2 replicas x 2 calls in flight: four calls of 10, not one of 40.
      const body = await multipart([{ data: photoWith([3, 4, 2, 5], 40) }]);
      const response = await wide.app.inject({ method: 'POST', url: '/v1/analyses', ...body });
      expect(response.statusCode).toBe(200);
      expect((response.json() as AnalysisReport).lesions.slice(0, 4).map((lesion) => lesion.modelClass)).toEqual(['nspl_a', 'nspl_b', 'skin', 'spl']);
      const sizes = wide.classifiers.map((classifier) => classifier.batches);
      expect(sizes.flat().sort()).toEqual([10, 10, 10, 10]);
      expect(sizes.every((batches) => batches.length > 0)).toBe(true);
    } finally {
      await wide.close();
    }
  });

  it('keeps upload order across several chunks and both replicas', async () => {
    const chunked = await startStack({ classifyChunk: 1, maxPhotos: 6 });
    try {
      const classes = [4, 1, 5, 0, 3, 2];
      const parts = classes.map((cls) => ({ data: Buffer.from(JSON.stringify({ cls })) }));
      const response = await chunked.app.inject({ method: 'POST', url: '/v1/classify', ...(await multipart(parts)) });
      expect(response.statusCode).toBe(200);
      expect((response.json() as ClassifyReport).results.map((result) => result.class)).toEqual(['nspl_b', 'skin_edge', 'spl', 'background', 'nspl_a', 'skin']);
      expect(chunked.tiler.calls.filter((call) => call.method === 'Patch')).toHaveLength(6);
      expect(chunked.classifiers.every((classifier) => classifier.batches.length > 0)).toBe(true);
    } finally {
      await chunked.close();
    }
  });

  it('takes one image as the raw body', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/classify', headers: { 'content-type': 'image/webp' }, payload: JSON.stringify({ cls: 1 }) });
    expect(response.statusCode).toBe(200);
    expect((response.json() as ClassifyReport).results.map((result) => result.class)).toEqual(['skin_edge']);
  });

  it('a patch the tiler cannot read is a 400', async () => {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/classify', headers: { 'content-type': 'image/png' }, payload: 'not json' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ type: 'https://skinlesion.dev/problems/invalid-image', photo: 0 });
  });
});

describe('health', () => {
  it('/healthz answers while the process runs', async () => {
    const response = await stack.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 only while every backend, each replica included, is SERVING', async () => {
    const ready = await stack.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toHaveLength(4);

    const replica = stack.classifiers[1];
    replica.server.setServing(false);
    try {
      const notReady = await stack.app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = notReady.json();
      expect(body.type).toBe('https://skinlesion.dev/problems/not-ready');
      expect(body.detail).toBe(`classifier ${replica.address} is NOT_SERVING`);
      expect(body.checks).toContainEqual({ service: 'classifier', target: replica.address, status: 'NOT_SERVING' });
      expect(body.checks.filter((check: { status: string }) => check.status === 'SERVING')).toHaveLength(3);
    } finally {
      replica.server.setServing(true);
    }
    expect((await stack.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('/readyz is 503 while the gateway drains', async () => {
    stack.app.draining = true;
    try {
      const response = await stack.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json().detail).toMatch(/shutting down/);
    } finally {
      stack.app.draining = false;
    }
  });
});

describe('a client that disconnects', () => {
  // The request's own deadline is a minute away: only the disconnect can cancel within the
  // test's 10 s timeout.
  it('cancels the gRPC work below its request', { timeout: 10_000 }, async () => {
    const hanging = await startStack({ requestTimeoutMs: 60_000 }, 1);
    try {
      await hanging.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = hanging.app.server.address() as AddressInfo;
      const body = photo({ hang: true });
      const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/analyses', headers: { 'content-type': 'image/png', 'content-length': body.length } });
      request.on('error', () => {
        // The socket is destroyed on purpose below.
      });
      request.end(body);
      await hanging.tiler.hangStarted;
      request.destroy();
      // Resolves only when the tiler's Tile call is cancelled; the test times out otherwise.
      await hanging.tiler.cancelled;
    } finally {
      await hanging.close();
    }
  });
});
