import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export const PROBLEM_TYPE = 'https://skinlesion.dev/problems/';

/** Asserts the RFC 9457 shape and returns the body. */
export function problem(response: LightMyRequestResponse, status: number, kind: string): Record<string, unknown> {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ type: PROBLEM_TYPE + kind, status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.instance).toBe(response.raw.req.url?.split('?')[0]);
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

/** inject() options for one photo sent as the raw body. */
export const raw = (payload: Buffer | string, type = 'image/png') => ({ headers: { 'content-type': type }, payload });
