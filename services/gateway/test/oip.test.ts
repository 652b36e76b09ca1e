import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_EMBEDDING_SIZE, FAKE_INPUT_SIZE, FAKE_MODEL } from './support/fake-services.js';
import { startStack, TEST_OPTIONS, type Stack } from './support/stack.js';

/*
 * The Open Inference Protocol's REST API, driven with requests shaped as the specification's
 * own examples (KServe V2 "Inference Request Examples" and the binary tensor data extension's),
 * adapted to this model: one input "input" of N crops S x S x 3.
 */

const S = FAKE_INPUT_SIZE;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, 1);
});
afterAll(async () => {
  await stack.close();
});
afterEach(() => {
  stack.classifiers[0].ready = true;
  stack.classifiers[0].failInferWith = undefined;
});

/** A batch of one S x S x 3 crop nested as [1][S][S][3], every value `value`. */
function nestedCrop(value: number): number[][][][] {
  return [Array.from({ length: S }, () => Array.from({ length: S }, () => [value, value, value]))];
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  stack.app.inject({ method: 'POST', url, payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

function oipError(response: LightMyRequestResponse, status: number): string {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  return body.error;
}

describe('server and model metadata and health', () => {
  it('GET /v2 names the server and the binary tensor data extension', async () => {
    const response = await stack.app.inject('/v2');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'skinlesion', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: ['binary_tensor_data'] });
  });

  it('answers health with the status code and an empty body', async () => {
    const live = await stack.app.inject('/v2/health/live');
    expect([live.statusCode, live.body]).toEqual([200, '']);
    expect((await stack.app.inject('/v2/health/ready')).statusCode).toBe(200);
    stack.classifiers[0].ready = false;
    const notReady = await stack.app.inject('/v2/health/ready');
    expect([notReady.statusCode, notReady.body]).toEqual([400, '']);
  });

  it('GET /v2/models/{name}[/versions/{v}] gives the tensors, -1 for the batch', async () => {
    const expected = {
      name: FAKE_MODEL.name,
      versions: [FAKE_MODEL.version],
      platform: 'fake',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, S, S, 3] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
        { name: 'embedding', datatype: 'FP32', shape: [-1, FAKE_EMBEDDING_SIZE] },
      ],
    };
    expect((await stack.app.inject(`/v2/models/${FAKE_MODEL.name}`)).json()).toEqual(expected);
    expect((await stack.app.inject(`/v2/models/${FAKE_MODEL.name}/versions/${FAKE_MODEL.version}`)).json()).toEqual(expected);
    expect(oipError(await stack.app.inject('/v2/models/resnet50'), 404)).toMatch(/"resnet50" is not served/);
    expect(oipError(await stack.app.inject(`/v2/models/${FAKE_MODEL.name}/versions/99`), 404)).toMatch(/version "99"/);
  });

  it('GET .../ready is 200 for the served model, 400 for another or while not ready', async () => {
    expect((await stack.app.inject(`/v2/models/${FAKE_MODEL.name}/ready`)).statusCode).toBe(200);
    expect((await stack.app.inject(`/v2/models/${FAKE_MODEL.name}/versions/${FAKE_MODEL.version}/ready`)).statusCode).toBe(200);
    expect((await stack.app.inject('/v2/models/resnet50/ready')).statusCode).toBe(400);
    stack.classifiers[0].ready = false;
    expect((await stack.app.inject(`/v2/models/${FAKE_MODEL.name}/ready`)).statusCode).toBe(400);
  });
});

describe('POST /v2/models/{name}/infer with JSON tensors', () => {
  it('classifies a UINT8 [1, S, S, 3] crop given as nested lists, as in the specification', async () => {
    const response = await post(`/v2/models/${FAKE_MODEL.name}/infer`, {
      id: '42',
      inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', data: nestedCrop(200) }],
      outputs: [{ name: 'probabilities' }],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      model_name: FAKE_MODEL.name,
      model_version: FAKE_MODEL.version,
      id: '42',
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [1, 6], data: [0.02, 0.02, 0.02, 0.02, 0.02, 0.9] }],
    });
    // The tensor reached the classifier as raw bytes, in row-major order.
    const sent = stack.classifiers[0].lastInfer;
    expect(sent?.inputs[0]).toMatchObject({ name: 'input', datatype: 'UINT8', shape: [1, S, S, 3] });
    expect(sent?.rawInputContents[0]).toEqual(Buffer.alloc(S * S * 3, 200));
  });

  it('takes flat data, a batch of crops, every output by default, and the version route', async () => {
    const flat = [...Array(S * S * 3).fill(10), ...Array(S * S * 3).fill(130)];
    const response = await post(`/v2/models/${FAKE_MODEL.name}/versions/${FAKE_MODEL.version}/infer`, {
      inputs: [{ name: 'input', shape: [2, S, S, 3], datatype: 'UINT8', data: flat }],
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { id?: string; outputs: Array<{ name: string; shape: number[]; data: number[] }> };
    expect(body.id).toBeUndefined();
    expect(body.outputs.map((output) => [output.name, output.shape])).toEqual([
      ['probabilities', [2, 6]],
      ['embedding', [2, FAKE_EMBEDDING_SIZE]],
    ]);
    // Row 0 has class 0 (10 / 40), row 1 class 3 (130 / 40).
    expect(body.outputs[0].data.slice(0, 6)).toEqual([0.9, 0.02, 0.02, 0.02, 0.02, 0.02]);
    expect(body.outputs[0].data.slice(6)).toEqual([0.02, 0.02, 0.02, 0.9, 0.02, 0.02]);
  });

  it('forwards FP32 input (already in the model\'s scale), which the classifier accepts', async () => {
    const response = await post(`/v2/models/${FAKE_MODEL.name}/infer`, {
      inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'FP32', data: nestedCrop(170.5) }],
      outputs: [{ name: 'probabilities' }],
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().outputs[0].data).toEqual([0.02, 0.02, 0.02, 0.02, 0.9, 0.02]);
    const raw = stack.classifiers[0].lastInfer?.rawInputContents[0] as Buffer;
    expect(raw.length).toBe(S * S * 3 * 4);
    expect(raw.readFloatLE(0)).toBe(170.5);
  });

  it('refuses malformed tensors with 400 and the protocol\'s {"error"}', async () => {
    const url = `/v2/models/${FAKE_MODEL.name}/infer`;
    const crop = (overrides: object) => ({ inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', data: nestedCrop(1), ...overrides }] });
    expect(oipError(await post(url, '{"inputs": ['), 400)).toMatch(/not valid JSON/);
    expect(oipError(await post(url, { inputs: [] }), 400)).toMatch(/inputs must be a non-empty list/);
    expect(oipError(await post(url, crop({ datatype: 'UINT4' })), 400)).toMatch(/datatype must be one of BOOL, UINT8/);
    expect(oipError(await post(url, crop({ data: [1, 2, 3] })), 400)).toMatch(/holds 3 values but shape \[1, 8, 8, 3\] needs 192/);
    expect(oipError(await post(url, crop({ data: nestedCrop(256) })), 400)).toMatch(/element 0 is 256, but UINT8 needs an integer in 0\.\.255/);
    expect(oipError(await post(url, crop({ data: [nestedCrop(1)[0].slice(1)] })), 400)).toMatch(/data\[0\] is a list of 7, but shape .* needs a list of 8/);
    // A well-formed tensor the model does not take: the classifier's own words come back.
    const wrong = await post(url, { inputs: [{ name: 'input', shape: [1, 4, 4, 3], datatype: 'UINT8', data: Array(48).fill(0) }] });
    expect(oipError(wrong, 400)).toMatch(/expected UINT8 or FP32 \[N, 8, 8, 3\]/);
    expect(oipError(await post('/v2/models/resnet50/infer', crop({})), 404)).toMatch(/"resnet50" is not served/);
  });

  it('answers unknown routes, oversized bodies and unavailable replicas in the same shape', async () => {
    expect(oipError(await stack.app.inject('/v2/repository/index'), 404)).toMatch(/no route for GET \/v2\/repository\/index/);
    const big = Buffer.alloc(TEST_OPTIONS.maxInferenceBodyBytes + 1, 0x20);
    expect(oipError(await post(`/v2/models/${FAKE_MODEL.name}/infer`, big), 413)).toBeTruthy();
    stack.classifiers[0].failInferWith = 'UNAVAILABLE';
    const response = await post(`/v2/models/${FAKE_MODEL.name}/infer`, { inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', data: nestedCrop(1) }] });
    expect(oipError(response, 503)).toMatch(/classifier is unavailable/);
    expect(response.headers['retry-after']).toBe('1');
  });
});

describe('the binary tensor data extension', () => {
  const url = `/v2/models/${FAKE_MODEL.name}/infer`;

  it('reads binary inputs after the JSON and sends binary outputs after its own', async () => {
    const header = Buffer.from(
      JSON.stringify({
        model_name: FAKE_MODEL.name,
        inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', parameters: { binary_data_size: S * S * 3 } }],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }, { name: 'embedding' }],
      }),
    );
    const tensor = Buffer.alloc(S * S * 3, 90);
    const response = await post(url, Buffer.concat([header, tensor]), {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    const jsonLength = Number(response.headers['inference-header-content-length']);
    const body = response.rawPayload;
    const json = JSON.parse(body.subarray(0, jsonLength).toString()) as { outputs: Array<{ name: string; parameters?: { binary_data_size: number }; data?: number[] }> };
    expect(json.outputs[0]).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [1, 6], parameters: { binary_data_size: 24 } });
    expect(json.outputs[1]).toMatchObject({ name: 'embedding', shape: [1, FAKE_EMBEDDING_SIZE], data: expect.any(Array) });
    const probabilities = body.subarray(jsonLength);
    expect(probabilities.length).toBe(24);
    // 90 / 40 = class 2.
    expect(Array.from({ length: 6 }, (_, k) => probabilities.readFloatLE(k * 4))).toEqual([0.02, 0.02, 0.9, 0.02, 0.02, 0.02].map(Math.fround));
    expect(stack.classifiers[0].lastInfer?.rawInputContents[0]).toEqual(tensor);
  });

  it('sends every output as binary with the request parameter binary_data_output', async () => {
    const header = Buffer.from(JSON.stringify({ parameters: { binary_data_output: true }, inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', data: nestedCrop(0) }] }));
    const response = await post(url, header, { 'inference-header-content-length': String(header.length) });
    expect(response.statusCode, response.body).toBe(200);
    const jsonLength = Number(response.headers['inference-header-content-length']);
    const json = JSON.parse(response.rawPayload.subarray(0, jsonLength).toString()) as { outputs: Array<{ parameters: { binary_data_size: number } }> };
    expect(json.outputs.map((output) => output.parameters.binary_data_size)).toEqual([24, FAKE_EMBEDDING_SIZE * 4]);
    expect(response.rawPayload.length).toBe(jsonLength + 24 + FAKE_EMBEDDING_SIZE * 4);
  });

  it('refuses sizes that do not add up', async () => {
    const request = (size: number) =>
      Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', parameters: { binary_data_size: size } }] }));
    const header = request(S * S * 3);
    const send = (body: Buffer, length: number | string) => post(url, body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(length) });
    expect(oipError(await send(Buffer.concat([header, Buffer.alloc(10)]), header.length), 400)).toMatch(/body ends \d+ bytes before its binary data/);
    expect(oipError(await send(Buffer.concat([header, Buffer.alloc(S * S * 3 + 5)]), header.length), 400)).toMatch(/5 bytes of binary data that no input/);
    const wrongSize = request(7);
    expect(oipError(await send(Buffer.concat([wrongSize, Buffer.alloc(7)]), wrongSize.length), 400)).toMatch(/binary_data_size is 7 but UINT8 \[1, 8, 8, 3\] takes 192 bytes/);
    expect(oipError(await send(header, header.length + 1), 400)).toMatch(/Inference-Header-Content-Length is \d+ but the body has only/);
    expect(oipError(await send(header, 'abc'), 400)).toMatch(/inference-header-content-length must be integer/);
  });
});
