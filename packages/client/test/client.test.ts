import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The gateway with fake backends on real gRPC: the client meets the real HTTP API, in-process.
import { FAKE_INPUT_SIZE, FAKE_MODEL, photo, photoWith } from '../../../services/gateway/test/support/fake-services.js';
import { startStack, type Stack } from '../../../services/gateway/test/support/stack.js';
import { ApiError, SkinlesionClient, sniffImageType } from '../src/index.js';

const S = FAKE_INPUT_SIZE;
let stack: Stack;
let client: SkinlesionClient;

beforeAll(async () => {
  stack = await startStack({}, 1);
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  client = new SkinlesionClient({ baseUrl: `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}/`, timeoutMs: 10_000 });
});
afterAll(async () => {
  await stack.close();
});

describe('the analysis API', () => {
  it('analyses photos given as bytes, Blobs or described files, in order', async () => {
    const analysis = await client.analyze(
      [photoWith([5, 3, 3]), new Blob([new Uint8Array(photoWith([4]))]), { data: photoWith([3]), filename: 'third.jpg', type: 'image/jpeg' }],
      { requestId: 'client-test-1' },
    );
    expect(analysis.model).toEqual(FAKE_MODEL);
    expect(analysis.photos).toHaveLength(3);
    expect(analysis.lesions.map((lesion) => [lesion.photo, lesion.class])).toEqual([
      [0, 'spl'],
      [0, 'nspl_a'],
      [0, 'nspl_a'],
      [1, 'nspl_b'],
      [2, 'nspl_a'],
    ]);
    expect(analysis.risk).toBe('HIGH');
    expect(stack.tiler.calls.filter((call) => call.method === 'Tile').every((call) => call.requestId === 'client-test-1')).toBe(true);
    const uncorrected = await client.analyze(photo({ candidates: [{ cls: 4, blobs: 0 }] }), { correction: false });
    expect(uncorrected.lesions[0].class).toBe('nspl_b');
  });

  it('fetches pictures and classifies patches', async () => {
    const png = await client.picture(photoWith([4, 5]), { kind: 'boxes', maxWidth: 640 });
    expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(stack.tiler.renders.at(-1)).toMatchObject({ kind: 'PICTURE_KIND_BOXES', maxWidth: 640 });
    const report = await client.classify([Buffer.from(JSON.stringify({ cls: 5 })), Buffer.from(JSON.stringify({ cls: 1 }))]);
    expect(report.results.map((result) => result.class)).toEqual(['spl', 'skin_edge']);
  });

  it('rejects with an ApiError carrying the problem and its kind', async () => {
    const error = await client.analyze(photo({ blurred: true })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.kind).toBe('all-photos-blurred');
    expect(apiError.problem?.photos).toEqual([{ photo: 0, blurScore: 1, blurThreshold: 3 }]);
    expect(apiError.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(apiError.message).toBe('the photo is too blurred to analyse');
  });

  it('reads health and the OpenAPI document', async () => {
    await expect(client.live()).resolves.toEqual({ status: 'ok' });
    expect((await client.ready()).status).toBe('ready');
    expect((await client.openapi()).openapi).toBe('3.1.0');
  });
});

describe('the inference protocols', () => {
  const crop = (value: number) => Array(S * S * 3).fill(value);

  it('predicts in the TF Serving shape', async () => {
    const image = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => [200 / 255, 0, 0]));
    await expect(client.predict(FAKE_MODEL.name, { signature_name: 'serving_default', instances: [image] })).resolves.toEqual({
      predictions: [[0.02, 0.02, 0.02, 0.02, 0.02, 0.9]],
    });
    const error = (await client.predict('vgg16', { instances: [image] }).catch((caught: unknown) => caught)) as ApiError;
    expect([error.status, error.kind]).toEqual([404, undefined]);
    expect(error.message).toMatch(/"vgg16" is not served/);
  });

  it('speaks the Open Inference Protocol, JSON and binary', async () => {
    expect((await client.serverMetadata()).extensions).toContain('binary_tensor_data');
    expect((await client.modelMetadata(FAKE_MODEL.name)).inputs[0].shape).toEqual([-1, S, S, 3]);
    await expect(client.serverLive()).resolves.toBe(true);
    await expect(client.serverReady()).resolves.toBe(true);
    await expect(client.modelReady(FAKE_MODEL.name)).resolves.toBe(true);
    await expect(client.modelReady('resnet50')).resolves.toBe(false);

    const json = await client.infer(FAKE_MODEL.name, { id: 'a', inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8', data: crop(130) }], outputs: [{ name: 'probabilities' }] });
    expect(json).toMatchObject({ id: 'a', outputs: [{ name: 'probabilities', data: [0.02, 0.02, 0.02, 0.9, 0.02, 0.02] }] });

    const binary = await client.infer(
      FAKE_MODEL.name,
      { inputs: [{ name: 'input', shape: [1, S, S, 3], datatype: 'UINT8' }] },
      { binaryInputs: { input: new Uint8Array(S * S * 3).fill(210) }, binaryOutputs: ['probabilities'], version: FAKE_MODEL.version },
    );
    expect(binary.outputs).toHaveLength(1);
    const probabilities = new Float32Array(Uint8Array.from(binary.outputs[0].binary ?? []).buffer);
    expect(Array.from(probabilities)).toEqual([0.02, 0.02, 0.02, 0.02, 0.02, 0.9].map(Math.fround));

    const refused = (await client.infer(FAKE_MODEL.name, { inputs: [{ name: 'input', shape: [1, 2, 2, 3], datatype: 'UINT8', data: Array(12).fill(0) }] }).catch((caught: unknown) => caught)) as ApiError;
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(/expected UINT8 or FP32/);
  });
});

describe('sniffImageType', () => {
  it('knows the four formats by their first bytes', () => {
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBe('image/png');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBP'))).toBe('image/webp');
    expect(sniffImageType(Uint8Array.from([0x49, 0x49, 0x2a, 0x00]))).toBe('image/tiff');
    expect(sniffImageType(new TextEncoder().encode('{"cls": 1}'))).toBe('application/octet-stream');
  });
});
