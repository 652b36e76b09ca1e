import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../packages/logger/src/index.js';
import { startGrpcServer, type RunningGrpcServer } from '../../packages/grpc-kit/src/index.js';
import { repoPath } from './support/services.js';

const run = promisify(execFile);
const SCRIPT = repoPath('deploy', 'docker', 'healthcheck.mjs');

/** Runs the image's health check as Docker does (exec form), with env as the container's. */
async function check(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 10_000 });
    return { code: 0, output: stdout.trim() };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, output: failed.stdout?.trim() ?? '' };
  }
}

describe('deploy/docker/healthcheck.mjs', () => {
  let grpc: RunningGrpcServer;
  let http: Server;
  let ready = false;

  beforeAll(async () => {
    grpc = await startGrpcServer([], { host: '127.0.0.1', port: 0, maxMessageBytes: 1024 * 1024, log: createLogger('test', 'silent') });
    http = createServer((request, response) => {
      if (request.url === '/readyz') response.writeHead(ready ? 200 : 503).end();
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await grpc?.shutdown(100);
    await new Promise((resolve) => http?.close(resolve));
  });

  it('passes a gRPC server only while grpc.health.v1 says SERVING', async () => {
    const env = { SERVICE_PORT: String(grpc.port) };
    expect(await check(['grpc', 'SERVICE_PORT:1'], env)).toEqual({ code: 1, output: 'unhealthy: health status 2, not SERVING' });
    grpc.setServing(true);
    expect(await check(['grpc', 'SERVICE_PORT:1'], env)).toEqual({ code: 0, output: 'healthy: SERVING' });
  });

  it('takes the port from the named variable, else from the default after the colon', async () => {
    grpc.setServing(true);
    expect((await check(['grpc', `UNSET_PORT:${grpc.port}`])).code).toBe(0);
    expect((await check(['grpc', 'SERVICE_PORT:1'], { SERVICE_PORT: 'x' })).output).toBe('unhealthy: no usable port in SERVICE_PORT=x');
  });

  it('checks the plaintext health port instead when GRPC_HEALTH_PORT is set (TLS on the gRPC port)', async () => {
    const probed = await startGrpcServer([], { host: '127.0.0.1', port: 0, healthPort: 0, maxMessageBytes: 1024 * 1024, log: createLogger('test', 'silent') });
    try {
      probed.setServing(true);
      expect(await check(['grpc', 'SERVICE_PORT:1'], { GRPC_HEALTH_PORT: String(probed.healthPort) })).toEqual({ code: 0, output: 'healthy: SERVING' });
      probed.setServing(false);
      expect(await check(['grpc', 'SERVICE_PORT:1'], { GRPC_HEALTH_PORT: String(probed.healthPort) })).toEqual({ code: 1, output: 'unhealthy: health status 2, not SERVING' });
    } finally {
      await probed.shutdown(100);
    }
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await check(['grpc', `P:${port}`]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^unhealthy: .*ECONNREFUSED/);
  });

  it('passes an HTTP endpoint only on 2xx', async () => {
    const port = String((http.address() as AddressInfo).port);
    ready = false;
    expect(await check(['http', 'PORT:1', '/readyz'], { PORT: port })).toEqual({ code: 1, output: 'unhealthy: HTTP 503 from /readyz' });
    ready = true;
    expect(await check(['http', 'PORT:1', '/readyz'], { PORT: port })).toEqual({ code: 0, output: 'healthy: HTTP 200' });
  });
});
