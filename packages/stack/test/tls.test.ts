import { loadConfig } from '@skinlesion/config';
import { makeWidefieldPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// grpc-kit's TLS client and its test certificates: the hops are checked as the gateway makes them.
import { clientTlsSpec, clientTransportFrom, HealthChecker, type ClientTransport } from '../../grpc-kit/src/index.js';
import { makeTestPki, type TestPki } from '../../grpc-kit/test/support/certs.js';
import { startStack, type Stack } from '../src/index.js';

/** Polls until check() is true, failing after timeoutMs: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the whole system with mutual TLS on every gRPC hop', () => {
  let pki: TestPki;
  let stack: Stack;
  let gatewayTransport: ClientTransport;

  beforeAll(async () => {
    pki = await makeTestPki();
    // One environment for all: each service reads its own side (server or client) of it.
    const env = {
      LOG_LEVEL: 'warn',
      GRPC_TLS_CERT_FILE: pki.serverCert,
      GRPC_TLS_KEY_FILE: pki.serverKey,
      GRPC_TLS_CLIENT_CA_FILE: pki.caCert,
      GRPC_TLS_CA_FILE: pki.caCert,
      GRPC_TLS_CLIENT_CERT_FILE: pki.clientCert,
      GRPC_TLS_CLIENT_KEY_FILE: pki.clientKey,
      // The gateway dials 127.0.0.1 and checks the certificate for this name, as with pod IPs.
      GRPC_TLS_SERVER_NAME: 'localhost',
    };
    gatewayTransport = clientTransportFrom(loadConfig(clientTlsSpec, env));
    stack = await startStack({ classifierReplicas: 1, gatewayPort: 0, env });
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 200, 30_000, '/readyz');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await pki?.remove();
  }, 30_000);

  it('is ready: every backend answers its health check over mutual TLS', async () => {
    const response = await fetch(`${stack.url}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Array<{ service: string; status: string }> };
    expect(body.status).toBe('ready');
    expect(body.checks.map((check) => check.service).sort()).toEqual(['classifier', 'tiler', 'ugly-duckling']);
    expect(body.checks.every((check) => check.status === 'SERVING')).toBe(true);
  });

  it('analyses a photo end to end', async () => {
    const photo = await makeWidefieldPhoto({ width: 800, height: 600, lesions: 6, seed: 5 });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(photo.image)], { type: 'image/jpeg' }), 'photo.jpg');
    const response = await fetch(`${stack.url}/v1/analyses`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { photos: Array<{ candidates: number }>; lesions: Array<{ probabilities: Record<string, number> }>; risk: string };
    expect(body.photos).toHaveLength(1);
    expect(body.lesions.length).toBeGreaterThan(0);
    expect(body.photos[0].candidates).toBe(body.lesions.length);
    for (const lesion of body.lesions) expect(Object.values(lesion.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(['LOW', 'MEDIUM', 'HIGH']).toContain(body.risk);
  });

  it('speaks only mutual TLS on the backends\' ports', async () => {
    for (const service of [stack.tiler, stack.uglyDuckling, ...stack.classifiers]) {
      const target = `127.0.0.1:${service.ports.port}`;
      const checkers = {
        mutual: new HealthChecker(target, gatewayTransport),
        plaintext: new HealthChecker(target),
        // Trusts the servers but shows no client certificate.
        anonymous: new HealthChecker(target, clientTransportFrom(loadConfig(clientTlsSpec, { GRPC_TLS_CA_FILE: pki.caCert, GRPC_TLS_SERVER_NAME: 'localhost' }))),
      };
      try {
        expect(await checkers.mutual.check('', 5000), service.name).toBe('SERVING');
        expect(await checkers.plaintext.check('', 5000), service.name).toBe('UNREACHABLE');
        expect(await checkers.anonymous.check('', 5000), service.name).toBe('UNREACHABLE');
      } finally {
        for (const checker of Object.values(checkers)) checker.close();
      }
    }
  });
});
