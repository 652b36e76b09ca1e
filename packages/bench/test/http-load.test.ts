import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertLoopback, closedLoop, fixedCount, openLoop } from '../src/http-load.js';

let server: Server | undefined;

/** A loopback server answering each request with `answer`; counts what it received. */
async function serve(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; received: () => number }> {
  let received = 0;
  server = createServer((request, response) => {
    received += 1;
    request.resume();
    request.on('end', () => answer(request, response));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/classify`, received: () => received };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const body = new Uint8Array([0xff, 0xd8, 0xff]);

describe('load loops', () => {
  it('stop a closed loop at its request bound', async () => {
    const { url, received } = await serve((_request, response) => response.end('{}'));
    const result = await closedLoop({ url, body, contentType: 'image/jpeg' }, { concurrency: 3, warmUpSeconds: 0, seconds: 60, maxRequests: 25 });
    expect(received()).toBe(25);
    expect(result.latenciesMs.length).toBeLessThanOrEqual(25);
    expect(result.statuses['200']).toBe(result.latenciesMs.length);
  });

  it('count every answer of a fixed-count run by status', async () => {
    let n = 0;
    const { url } = await serve((_request, response) => {
      n += 1;
      response.statusCode = n % 4 === 0 ? 503 : 200;
      response.end();
    });
    const result = await fixedCount({ url, body, contentType: 'image/jpeg' }, { clients: 4, requestsPerClient: 5, timeoutSeconds: 30 });
    expect(result.statuses).toEqual({ '200': 15, '503': 5 });
    expect(result.latenciesMs).toHaveLength(15);
  });

  it('abort a fixed-count run at its time bound and count what was cut as timeouts', async () => {
    const { url } = await serve(() => undefined);
    const result = await fixedCount({ url, body, contentType: 'image/jpeg' }, { clients: 2, requestsPerClient: 3, timeoutSeconds: 0.2 });
    expect(result.statuses).toEqual({ timeout: 2 });
    expect(result.latenciesMs).toHaveLength(0);
  });

  it('never hold more requests open than allowed, and abort the rest after the drain bound', async () => {
    // A server that never answers: every sent request stays open.
    const { url, received } = await serve(() => undefined);
    const result = await openLoop({ url, body, contentType: 'image/jpeg' }, { rate: 2000, seconds: 0.02, maxOutstanding: 8, drainSeconds: 0.2 });
    expect(result.offered).toBe(40);
    expect(result.sent).toBe(8);
    expect(result.notSent).toBe(32);
    expect(result.abortedAtDrain).toBe(8);
    expect(result.acceptedLatenciesMs).toHaveLength(0);
    expect(received()).toBeLessThanOrEqual(8);
  });

  it('refuse targets other than 127.0.0.1', () => {
    expect(() => assertLoopback('http://example.com/v1/classify')).toThrow(/only sends to 127.0.0.1/);
    expect(() => assertLoopback('http://127.0.0.1:8080/v1/classify')).not.toThrow();
  });
});
