import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackForDrain } from '../src/http-drain.js';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** A server whose handler answers when the test says so, one pending answer per request. */
function slowServer() {
  const waiting: Array<(body: string) => void> = [];
  const arrived: Array<() => void> = [];
  const server = createServer((incoming, response) => {
    incoming.resume();
    incoming.once('end', () => {
      waiting.push((body) => response.end(body));
      arrived.shift()?.();
    });
  });
  const drain = trackForDrain(server);
  return {
    server,
    drain,
    /** Resolves once a request's body has been read and its answer awaits release(). */
    nextArrival: () => new Promise<void>((resolve) => arrived.push(resolve)),
    release: (body = 'ok') => waiting.shift()?.(body),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function post(port: number, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    });
    outgoing.on('error', reject);
    outgoing.end('photo bytes');
  });
}

/**
 * The drain closes the listener, and starts closing connections, after the loop's next poll: two
 * turns of immediates from drain(). Three turns from here come after them whatever the timing
 * (immediates run in the order scheduled), where a timer could fire first on a loaded machine.
 */
function drainUnderWay(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
}

describe('trackForDrain', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  /** A slow server listening on loopback, and a keep-alive client agent for it. */
  async function started(maxSockets?: number) {
    const slow = slowServer();
    const port = await listen(slow.server);
    const agent = new Agent({ keepAlive: true, ...(maxSockets === undefined ? {} : { maxSockets }) });
    cleanup.push(() => agent.destroy());
    return { ...slow, port, agent };
  }

  it('lets the request in flight finish, tells its client to close, then refuses connections', async () => {
    const { drain, nextArrival, release, port, agent } = await started();

    const arrival = nextArrival();
    const inFlight = post(port, agent);
    await arrival;
    const drained = drain.drain(5_000);
    await drainUnderWay();
    release('finished');
    await expect(inFlight).resolves.toEqual({ status: 200, connection: 'close', body: 'finished' });
    await expect(drained).resolves.toBe('drained');
    await expect(post(port, agent)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('serves a request that arrives on an idle keep-alive connection during the drain', async () => {
    const { drain, nextArrival, release, port, agent } = await started(2);

    // Two kept-alive connections: one will be busy at the drain, the other idle.
    const first = nextArrival();
    const busy = post(port, agent);
    await first;
    const second = nextArrival();
    const idleOnce = post(port, agent);
    await second;
    release('a');
    release('b');
    await Promise.all([busy, idleOnce]);

    const third = nextArrival();
    const stillBusy = post(port, agent);
    await third;
    const drained = drain.drain(5_000);
    await drainUnderWay();
    // The idle connection's client sends now: served, not cut off under its request.
    const fourth = nextArrival();
    const late = post(port, agent);
    // A connection cut under the request fails `late` at once instead of it ever arriving.
    await Promise.race([fourth, late]);
    release('in flight');
    release('late');
    await expect(stillBusy).resolves.toMatchObject({ status: 200, connection: 'close' });
    await expect(late).resolves.toMatchObject({ status: 200, connection: 'close', body: 'late' });
    await expect(drained).resolves.toBe('drained');
  });

  it('answers a connection the kernel completed while the event loop was busy, instead of resetting it', async () => {
    const { drain, nextArrival, release, port, agent } = await started();
    const arrival = nextArrival();
    const answer = post(port, agent);
    // The client's connect() goes out on the next tick; the handshake then completes in the
    // kernel while this thread stays busy, so the connection waits in the listen queue.
    await new Promise((resolve) => process.nextTick(resolve));
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // Busy, as a loaded gateway is when the signal comes.
    }
    const drained = drain.drain(5_000);
    await arrival;
    release('queued');
    await expect(answer).resolves.toEqual({ status: 200, connection: 'close', body: 'queued' });
    await expect(drained).resolves.toBe('drained');
  });

  it('closes idle connections nobody uses, so the drain ends', async () => {
    const { drain, nextArrival, release, port, agent } = await started();
    const arrival = nextArrival();
    const answered = post(port, agent);
    await arrival;
    release();
    await expect(answered).resolves.toMatchObject({ connection: 'keep-alive' });
    // The kept-alive connection stays idle: the drain must not wait for the client to close it.
    await expect(drain.drain(5_000)).resolves.toBe('drained');
  });

  it('gives up at the deadline when a request does not finish, cutting its connection', async () => {
    const { server, drain, nextArrival, port, agent } = await started();
    const arrival = nextArrival();
    const stuck = post(port, agent);
    await arrival;
    await expect(drain.drain(100)).resolves.toBe('timeout');
    await expect(stuck).rejects.toMatchObject({ code: 'ECONNRESET' });
    // Nothing is left open for a later close to wait on.
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
