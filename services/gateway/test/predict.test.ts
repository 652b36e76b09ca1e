import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../src/domain/png.js';
import { FAKE_INPUT_SIZE, FAKE_MODEL } from './support/fake-services.js';
import { startStack, type Stack } from './support/stack.js';

/*
 * TF Serving / AI Platform predict, as the seed's client sent it: one 150 x 150 x 3 image of
 * 0..1 floats (x / 255) per instance. The fake tiler really decodes the PNG the gateway writes
 * and resizes it, and the fake classifier's class is the top-left red value / 40, so a test
 * picks the class through the pixels.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, 1);
});
afterAll(async () => {
  await stack.close();
});
afterEach(() => {
  stack.tiler.calls.length = 0;
});

/** A size x size image of one RGB colour as nested lists, values scaled by `scale`. */
function image(size: number, rgb: [number, number, number], scale = 1 / 255): number[][][] {
  return Array.from({ length: size }, () => Array.from({ length: size }, () => rgb.map((value) => value * scale)));
}

/** Probabilities the fake classifier gives to `cls`. */
const row = (cls: number) => [0, 1, 2, 3, 4, 5].map((k) => (k === cls ? 0.9 : 0.02));

const post = (url: string, body: unknown, type = 'application/json') =>
  stack.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': type } });
const predictUrl = `/v1/models/${FAKE_MODEL.name}:predict`;
const patchCalls = () => stack.tiler.calls.filter((call) => call.method === 'Patch').length;

function tfError(response: LightMyRequestResponse, status: number): string {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json() as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  return body.error;
}

describe('POST /v1/models/{name}:predict', () => {
  it("answers the seed's client request unchanged: 150 x 150 x 3 floats in 0..1", async () => {
    const body = { signature_name: 'serving_default', instances: [image(150, [200, 120, 100])] };
    const response = await post(predictUrl, body);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ predictions: [row(5)] });
    // Another size than the model's: resized by the tiler, from a PNG the gateway wrote.
    expect(patchCalls()).toBe(1);
  });

  it('reads 0..255 numbers when some value exceeds 1, and sends S x S images without resizing', async () => {
    const response = await post(predictUrl, { instances: [image(FAKE_INPUT_SIZE, [130, 20, 20], 1), image(FAKE_INPUT_SIZE, [0.9, 0.5, 0.5], 1)] });
    expect(response.statusCode, response.body).toBe(200);
    // 130 -> class 3; 0.9 read on the same 0..255 scale rounds to 1 -> class 0.
    expect(response.json()).toEqual({ predictions: [row(3), row(0)] });
    expect(patchCalls()).toBe(0);
  });

  it('takes {"b64": ...} images, named inputs and the columnar form, in order', async () => {
    const png = (red: number) => encodePng(Uint8Array.from([red, 0, 0, red, 0, 0, red, 0, 0, red, 0, 0]), 2, 2).toString('base64');
    const rows = await post(predictUrl, { instances: [{ b64: png(90) }, { image_bytes: { b64: png(170) } }, image(3, [45, 0, 0])] });
    expect(rows.statusCode, rows.body).toBe(200);
    expect(rows.json()).toEqual({ predictions: [row(2), row(4), row(1)] });

    const columns = await post(predictUrl, { inputs: { input_1: [image(4, [210, 0, 0]), image(5, [5, 0, 0])] } });
    expect(columns.statusCode, columns.body).toBe(200);
    expect(columns.json()).toEqual({ outputs: [row(5), row(0)] });
  });

  it('serves the version and AI Platform paths too', async () => {
    const body = { instances: [image(2, [200, 0, 0])] };
    for (const url of [
      `/v1/models/${FAKE_MODEL.name}/versions/${FAKE_MODEL.version}:predict`,
      `/v1/projects/my-project/models/${FAKE_MODEL.name}:predict`,
      `/v1/projects/my-project/models/${FAKE_MODEL.name}/versions/${FAKE_MODEL.version}:predict`,
    ]) {
      const response = await post(url, body);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expect(response.json()).toEqual({ predictions: [row(5)] });
    }
  });

  it('refuses what is not a predict request with 400 and TF Serving\'s {"error"}', async () => {
    expect(tfError(await post(predictUrl, { signature_name: 'predict_images', instances: [image(2, [1, 1, 1])] }), 400)).toMatch(/only signature is "serving_default"/);
    expect(tfError(await post(predictUrl, { instances: [image(2, [1, 1, 1])], inputs: [] }), 400)).toMatch(/exactly one of "instances"/);
    expect(tfError(await post(predictUrl, {}), 400)).toMatch(/exactly one of "instances"/);
    expect(tfError(await post(predictUrl, { instances: [] }), 400)).toMatch(/non-empty list/);
    expect(tfError(await post(predictUrl, { instances: [[[1, 2, 3, 4]]] }), 400)).toMatch(/instances\[0\]\[0\]\[0\] must be one RGB pixel/);
    expect(tfError(await post(predictUrl, { instances: [[[[1, 2, 3]], [[1, 2, 3], [1, 2, 3]]]] }), 400)).toMatch(/instances\[0\]\[1\] must be a row of 1 pixels/);
    expect(tfError(await post(predictUrl, { instances: [image(2, [-1, 0, 0], 1)] }), 400)).toMatch(/pixel values must be 0\.\.1 or 0\.\.255/);
    expect(tfError(await post(predictUrl, { instances: ['hello'] }), 400)).toMatch(/instances\[0\] must be an image/);
    expect(tfError(await post(predictUrl, { instances: [{ b64: 'not base64!' }] }), 400)).toMatch(/b64 must be a base64 string/);
    // Valid base64 that is no image: the tiler's verdict, naming the instance.
    const notImage = await post(predictUrl, { instances: [{ b64: Buffer.from('plain text').toString('base64') }] });
    expect(tfError(notImage, 400)).toMatch(/image 0 is not an image/);
    expect(tfError(await post(predictUrl, '{"instances": [', 'application/json'), 400)).toBeTruthy();
    expect(tfError(await post(predictUrl, 'instances', 'text/plain'), 415)).toMatch(/text\/plain/);
  });

  it('answers 404 for another model or version, and for unknown paths of its namespace', async () => {
    const body = { instances: [image(2, [1, 1, 1])] };
    expect(tfError(await post('/v1/models/vgg16:predict', body), 404)).toMatch(/"vgg16" is not served here; this server serves "fake-model" version "7"/);
    expect(tfError(await post(`/v1/models/${FAKE_MODEL.name}/versions/3:predict`, body), 404)).toMatch(/version "3" is not served/);
    expect(tfError(await post(`/v1/models/${FAKE_MODEL.name}:classify`, body), 404)).toMatch(/no route/);
    expect(tfError(await stack.app.inject(`/v1/projects/p/models/${FAKE_MODEL.name}`), 404)).toMatch(/no route/);
    // Elsewhere under /v1 the API's problem+json stays.
    const other = await stack.app.inject('/v1/unknown');
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('is counted under its route template, and its errors by kind', async () => {
    await post(predictUrl, { instances: [image(2, [1, 1, 1])] });
    await post(predictUrl, { instances: [] });
    await post('/v1/models/vgg16:predict', { instances: [image(2, [1, 1, 1])] });
    const metrics = await stack.registry.metrics();
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/v1\/models\/:model_name:predict",status_code="200"\} \d+/);
    expect(metrics).toMatch(/skinlesion_problems_total\{kind="invalid-request",status_code="400"\} \d+/);
    expect(metrics).toMatch(/skinlesion_problems_total\{kind="not-found",status_code="404"\} \d+/);
  });
});
