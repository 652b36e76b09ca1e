import { makeWidefieldPhoto, type SynthPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../src/index.js';

/** Polls until check() is true, failing after timeoutMs: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect(Array.from(bytes.subarray(0, 8))).toEqual(signature);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The IHDR chunk comes first: width and height are its first two big-endian words.
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function photoForm(photos: SynthPhoto[]): FormData {
  const form = new FormData();
  photos.forEach((photo, index) => form.append('image', new Blob([photo.image], { type: 'image/jpeg' }), `photo-${index}.jpg`));
  return form;
}

interface Lesion {
  id: string;
  photo: number;
  x: number;
  y: number;
  diameter: number;
  box: number[];
  modelClass: string;
  class: string;
  probabilities: Record<string, number>;
  centreBlobShare: number;
  udScore: number | null;
  udRank: number | null;
}

describe('the whole system as four kinds of process over gRPC', () => {
  let stack: Stack;
  let photo: SynthPhoto;

  beforeAll(async () => {
    stack = await startStack({ classifierReplicas: 2, gatewayPort: 0, env: { LOG_LEVEL: 'warn' } });
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 200, 60_000, '/readyz');
    photo = await makeWidefieldPhoto({ width: 1600, height: 1200, lesions: 16, seed: 11 });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('analyses a multi-lesion photo end to end', async () => {
    const response = await fetch(`${stack.url}/v1/analyses`, { method: 'POST', body: photoForm([photo]), headers: { 'x-request-id': 'e2e-test-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('e2e-test-1');
    const body = (await response.json()) as { model: { name: string }; photos: Array<Record<string, unknown>>; lesions: Lesion[]; counts: Record<string, number>; risk: string; timingsMs: Record<string, number> };
    expect(body.model.name).toBeTruthy();
    expect(body.photos).toHaveLength(1);
    expect(body.photos[0]).toMatchObject({ width: 1600, height: 1200, blurred: false });
    expect(body.photos[0].candidates).toBe(body.lesions.length);

    // Every planted lesion must be a candidate: a candidate centre within its radius.
    const found = photo.lesions.filter((truth) => body.lesions.some((lesion) => Math.hypot(lesion.x - truth.x, lesion.y - truth.y) <= truth.diameter / 2));
    expect(found.length / photo.lesions.length).toBeGreaterThanOrEqual(0.9);

    const names = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'];
    for (const lesion of body.lesions) {
      expect(Object.keys(lesion.probabilities).sort()).toEqual([...names].sort());
      const sum = Object.values(lesion.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 4);
      expect(names).toContain(lesion.class);
      expect(names).toContain(lesion.modelClass);
      expect(lesion.box[2]).toBeGreaterThan(lesion.box[0]);
    }
    const counted = Object.values(body.counts).reduce((a, b) => a + b, 0);
    expect(counted).toBe(body.lesions.length);
    expect(['LOW', 'MEDIUM', 'HIGH']).toContain(body.risk);

    const pigmented = body.lesions.filter((lesion) => ['nspl_a', 'nspl_b', 'spl'].includes(lesion.class));
    if (pigmented.length >= 3) {
      const ranks = pigmented.map((lesion) => lesion.udRank).sort((a, b) => (a ?? 0) - (b ?? 0));
      expect(ranks).toEqual(pigmented.map((_, index) => index + 1));
      expect(Math.max(...pigmented.map((lesion) => lesion.udScore ?? -1))).toBeCloseTo(1, 6);
    }
    for (const lesion of body.lesions.filter((candidate) => !pigmented.includes(candidate))) expect(lesion.udRank).toBeNull();
  });

  it('renders boxes, heat map and montage as PNG', async () => {
    for (const kind of ['boxes', 'heatmap', 'montage']) {
      const response = await fetch(`${stack.url}/v1/analyses/picture?kind=${kind}`, { method: 'POST', body: photoForm([photo]) });
      expect(response.status, kind).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const size = pngSize(new Uint8Array(await response.arrayBuffer()));
      if (kind !== 'montage') expect(size).toEqual({ width: 1600, height: 1200 });
      else expect(size.width).toBeGreaterThan(0);
    }
  });

  it('classifies uploaded patches in upload order (the seed cloud variant)', async () => {
    const second = await makeWidefieldPhoto({ width: 300, height: 300, lesions: 1, seed: 3, format: 'png' });
    const form = new FormData();
    form.append('image', new Blob([photo.image], { type: 'image/jpeg' }), 'a.jpg');
    form.append('image', new Blob([second.image], { type: 'image/png' }), 'b.png');
    const response = await fetch(`${stack.url}/v1/classify`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: Array<{ probabilities: Record<string, number>; class: string }> };
    expect(body.results).toHaveLength(2);
    for (const result of body.results) expect(Object.values(result.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('answers bad input with a problem+json 4xx', async () => {
    const response = await fetch(`${stack.url}/v1/analyses`, { method: 'POST', body: new Uint8Array([1, 2, 3, 4]), headers: { 'content-type': 'image/jpeg' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    expect(text).toMatch(/process_cpu_seconds_total/);
  });

  it('reports not ready once the ugly-duckling process is gone', async () => {
    await stack.uglyDuckling.kill();
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 503, 15_000, '/readyz to fail');
    const response = await fetch(`${stack.url}/readyz`);
    expect(await response.text()).toMatch(/ugly-duckling/);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });
});
