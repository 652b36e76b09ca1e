import { credentials, status } from '@grpc/grpc-js';
import { AppError, InvalidArgumentError } from '@skinlesion/errors';
import { createLogger } from '@skinlesion/logger';
import { createRegistry } from '@skinlesion/metrics';
import { loadUglyDucklingProto, type ScoreRequest__Output, type ScoreResponse, type UglyDucklingClient } from '@skinlesion/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { callUnary, createGrpcMetrics, HealthChecker, ReplicaPool, startGrpcServer, unary, type RunningGrpcServer } from '../src/index.js';

const proto = loadUglyDucklingProto();
const log = createLogger('test', 'silent');
const NAME = 'skinlesion.ugly_duckling.v1.UglyDuckling';

type Behaviour = (request: ScoreRequest__Output) => Promise<ScoreResponse>;

async function serve(behaviour: Behaviour): Promise<{ server: RunningGrpcServer; target: string; calls: () => number }> {
  let calls = 0;
  const registry = createRegistry('test');
  const deps = { log, metrics: createGrpcMetrics(registry), grpcService: NAME };
  const server = await startGrpcServer(
    [{ name: NAME, definition: proto.UglyDuckling.service, implementation: { Score: unary('Score', (request: ScoreRequest__Output) => ((calls += 1), behaviour(request)), deps) } }],
    { host: '127.0.0.1', port: 0, maxMessageBytes: 1024 * 1024, log },
  );
  server.setServing(true);
  return { server, target: `127.0.0.1:${server.port}`, calls: () => calls };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const servers: RunningGrpcServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.shutdown(100)));
});

const ok: Behaviour = async () => ({ ranked: false, reason: 'ok', lesions: [] });
const client = (target: string) => new proto.UglyDuckling(target, credentials.createInsecure()) as UglyDucklingClient;

describe('grpc-kit', () => {
  it('maps AppError codes to gRPC status and back, with details, and hides unexpected errors', async () => {
    const bad = await serve(async () => {
      throw new InvalidArgumentError('bad lesion', { limit: 'x' });
    });
    const boom = await serve(async () => {
      throw new Error('secret internals');
    });
    servers.push(bad.server, boom.server);
    await expect(callUnary(client(bad.target), 'Score', { lesions: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'bad lesion', details: { limit: 'x', grpcCode: 'INVALID_ARGUMENT' } });
    const error = await callUnary(client(boom.target), 'Score', { lesions: [] }).catch((caught: unknown) => caught as AppError);
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
    expect((error as AppError).details.grpcCode).toBe(status[status.INTERNAL]);
  });

  it('reports health per service and NOT_SERVING once shutdown starts', async () => {
    const { server, target } = await serve(ok);
    const checker = new HealthChecker(target);
    expect(await checker.check(NAME)).toBe('SERVING');
    expect(await checker.check('')).toBe('SERVING');
    expect(await checker.check('no.such.Service')).toBe('SERVICE_UNKNOWN');
    server.setServing(false);
    expect(await checker.check(NAME)).toBe('NOT_SERVING');
    await server.shutdown(100);
    expect(await checker.check(NAME, 300)).toBe('UNREACHABLE');
    checker.close();
  });

  it('lets in-flight calls finish during a graceful shutdown', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { server, target, calls } = await serve(async () => {
      await gate;
      return { ranked: true, reason: '', lesions: [] };
    });
    const pending = callUnary(client(target), 'Score', { lesions: [] });
    await waitFor(() => calls() === 1);
    const stopped = server.shutdown(5000);
    release();
    await expect(pending).resolves.toMatchObject({ ranked: true });
    await stopped;
  });

  it('balances over replicas and retries an UNAVAILABLE call on another one', async () => {
    const a = await serve(ok);
    const b = await serve(ok);
    const down = await serve(async () => {
      throw new AppError('UNAVAILABLE', 'going away');
    });
    servers.push(a.server, b.server, down.server);
    const pool = new ReplicaPool([a.target, b.target, down.target], client);
    const results = await Promise.all(Array.from({ length: 30 }, () => pool.run((replica) => callUnary(replica, 'Score', { lesions: [] }))));
    expect(results).toHaveLength(30);
    expect(a.calls()).toBeGreaterThan(5);
    expect(b.calls()).toBeGreaterThan(5);
    expect(a.calls() + b.calls()).toBe(30);
    pool.close();
  });

  it('cancels a call when its signal aborts and honours deadlines', async () => {
    const { server, target } = await serve(() => new Promise(() => {}));
    servers.push(server);
    const controller = new AbortController();
    const pending = callUnary(client(target), 'Score', { lesions: [] }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(callUnary(client(target), 'Score', { lesions: [] }, { deadline: new Date(Date.now() + 100) })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
