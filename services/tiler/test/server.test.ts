import { credentials } from '@grpc/grpc-js';
import { callUnary, startGrpcService, type StartedService } from '@skinlesion/grpc-kit';
import { loadTilerProto, type TilerClient } from '@skinlesion/proto';
import { makeWidefieldPhoto, type SynthPhoto } from '@skinlesion/synth';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tilerBinding } from '../src/server.js';

describe('tiler gRPC server', () => {
  let service: StartedService;
  let client: TilerClient;
  let photo: SynthPhoto;

  beforeAll(async () => {
    service = await startGrpcService({
      service: 'tiler',
      host: '127.0.0.1',
      port: 0,
      metricsPort: 0,
      maxMessageBytes: 64 * 1024 * 1024,
      shutdownGraceMs: 1000,
      logLevel: 'silent',
      setUp: async (runtime) => ({ bindings: [tilerBinding(runtime, { maxPixels: 50_000_000, maxCandidates: 500, maxImages: 8 })] }),
    });
    client = new (loadTilerProto().Tiler)(`127.0.0.1:${service.port}`, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
    photo = await makeWidefieldPhoto({ width: 1200, height: 900, lesions: 10, seed: 5 });
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
  });

  it('tiles a photo into candidates and raw NHWC crops', async () => {
    const response = await callUnary(client, 'Tile', { image: photo.image, cropSize: 64 });
    expect(response).toMatchObject({ width: 1200, height: 900, blurred: false });
    expect(response.adjustment).toMatch(/^ADJUSTMENT_/);
    const count = response.candidates.length;
    expect(count).toBeGreaterThanOrEqual(9);
    expect(response.crops).toMatchObject({ count, height: 64, width: 64, channels: 3 });
    expect(response.crops?.data.length).toBe(count * 64 * 64 * 3);
    for (const truth of photo.lesions) {
      expect(response.candidates.some((c) => Math.hypot(c.x - truth.x, c.y - truth.y) <= truth.diameter / 2)).toBe(true);
    }
    expect(Object.keys(response.timingsMs)).toEqual(expect.arrayContaining(['decode', 'blur', 'detect']));
  });

  it('caps candidates and says so', async () => {
    const response = await callUnary(client, 'Tile', { image: photo.image, cropSize: 32, maxCandidates: 3 });
    expect(response.candidates).toHaveLength(3);
    expect(response.truncated).toBe(true);
  });

  it('reports a blurred photo without candidates', async () => {
    const blurred = await sharp(photo.image).blur(12).jpeg().toBuffer();
    const response = await callUnary(client, 'Tile', { image: blurred, cropSize: 64 });
    expect(response.blurred).toBe(true);
    expect(response.blurScore).toBeLessThan(response.blurThreshold);
    expect(response.candidates).toHaveLength(0);
  });

  it('resizes whole images to patches in order', async () => {
    const red = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
    const blue = await sharp({ create: { width: 20, height: 50, channels: 3, background: { r: 0, g: 0, b: 255 } } }).webp({ lossless: true }).toBuffer();
    const response = await callUnary(client, 'Patch', { images: [red, blue], size: 16 });
    expect(response.patches).toMatchObject({ count: 2, height: 16, width: 16, channels: 3 });
    const data = response.patches!.data;
    expect([data[0], data[1], data[2]]).toEqual([255, 0, 0]);
    expect([data[768], data[769], data[770]]).toEqual([0, 0, 255]);
  });

  it('renders a PNG picture', async () => {
    const response = await callUnary(client, 'Render', {
      image: photo.image,
      kind: 'PICTURE_KIND_BOXES',
      marks: photo.lesions.map((lesion) => ({ x: lesion.x, y: lesion.y, diameter: lesion.diameter, classIndex: 5 })),
      maxWidth: 600,
    });
    expect(response).toMatchObject({ width: 600, height: 450 });
    const metadata = await sharp(response.png).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 600, height: 450 });
  });

  it('answers INVALID_ARGUMENT for bytes that are not an image and for a bad crop size', async () => {
    await expect(callUnary(client, 'Tile', { image: Buffer.from('not an image at all'), cropSize: 64 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { reason: 'unreadable' } });
    await expect(callUnary(client, 'Tile', { image: Buffer.alloc(0), cropSize: 64 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(callUnary(client, 'Tile', { image: photo.image, cropSize: 5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(callUnary(client, 'Render', { image: photo.image, kind: 'PICTURE_KIND_UNSPECIFIED' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
