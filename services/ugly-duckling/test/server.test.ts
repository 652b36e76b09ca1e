import { credentials, status } from '@grpc/grpc-js';
import { callUnary, HealthChecker, startGrpcService, type StartedService } from '@skinlesion/grpc-kit';
import { loadUglyDucklingProto, type UglyDucklingClient } from '@skinlesion/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uglyDucklingBinding } from '../src/server.js';

/** The wire form: lesion facts plus one little-endian float32 block of all embeddings. */
function scoreRequest(lesions: Array<{ id: string; diameter?: number; centreBlobShare?: number; embedding: number[] }>, embeddingSize?: number) {
  const size = embeddingSize ?? lesions[0]?.embedding.length ?? 0;
  return {
    lesions: lesions.map(({ embedding: _embedding, ...facts }) => facts),
    embeddingSize: size,
    embeddings: Buffer.from(new Float32Array(lesions.flatMap((lesion) => lesion.embedding)).buffer),
  };
}

describe('ugly-duckling gRPC server', () => {
  let service: StartedService;
  let client: UglyDucklingClient;
  let target: string;

  beforeAll(async () => {
    service = await startGrpcService({
      service: 'ugly-duckling',
      host: '127.0.0.1',
      port: 0,
      metricsPort: 0,
      maxMessageBytes: 4 * 1024 * 1024,
      shutdownGraceMs: 1000,
      logLevel: 'silent',
      setUp: async (runtime) => ({ bindings: [uglyDucklingBinding(runtime, 100)] }),
    });
    target = `127.0.0.1:${service.port}`;
    const proto = loadUglyDucklingProto();
    client = new proto.UglyDuckling(target, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
  });

  it('scores lesions over a real gRPC hop and reports SERVING', async () => {
    const response = await callUnary(
      client,
      'Score',
      scoreRequest([
        { id: 'a', diameter: 10, centreBlobShare: 0, embedding: [1, 0] },
        { id: 'b', diameter: 20, centreBlobShare: 0.1, embedding: [0, 1] },
        { id: 'c', diameter: 30, centreBlobShare: 0.2, embedding: [1, 1] },
      ]),
    );
    expect(response.ranked).toBe(true);
    expect(response.lesions.map((lesion) => lesion.rank)).toEqual([3, 2, 1]);
    expect(response.lesions[1].score).toBeCloseTo(0.608926, 5);
    const checker = new HealthChecker(target);
    expect(await checker.check('skinlesion.ugly_duckling.v1.UglyDuckling')).toBe('SERVING');
    checker.close();
  });

  it('answers INVALID_ARGUMENT for bad lesions and OUT_OF_RANGE over the limit', async () => {
    const shortBlock = callUnary(client, 'Score', scoreRequest([{ id: 'a', embedding: [1] }, { id: 'b', embedding: [1] }, { id: 'c', embedding: [1] }], 2));
    await expect(shortBlock).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/need 24/), details: { grpcCode: status[status.INVALID_ARGUMENT] } });
    const duplicate = callUnary(client, 'Score', scoreRequest([{ id: 'a', embedding: [1] }, { id: 'a', embedding: [2] }, { id: 'c', embedding: [1] }]));
    await expect(duplicate).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/unique/) });
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `l${i}`, diameter: 1, embedding: [1] }));
    await expect(callUnary(client, 'Score', scoreRequest(many))).rejects.toMatchObject({ code: 'OUT_OF_RANGE', details: { limit: 'UGLY_DUCKLING_MAX_LESIONS' } });
  });

  it('explains why two lesions are not ranked', async () => {
    const response = await callUnary(client, 'Score', scoreRequest([{ id: 'a', diameter: 1, embedding: [1] }, { id: 'b', diameter: 2, embedding: [2] }]));
    expect(response).toMatchObject({ ranked: false, lesions: [] });
    expect(response.reason).toMatch(/at least 3/);
  });
});
