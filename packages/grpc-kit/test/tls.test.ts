import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { ConfigError, loadConfig, type Env } from '@skinlesion/config';
import { createLogger } from '@skinlesion/logger';
import { createRegistry } from '@skinlesion/metrics';
import { loadUglyDucklingProto, type UglyDucklingClient } from '@skinlesion/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  callUnary,
  clientTlsMode,
  clientTlsProblems,
  clientTlsSpec,
  clientTransportFrom,
  createGrpcMetrics,
  HealthChecker,
  serverCredentialsFrom,
  serverTlsMode,
  serverTlsProblems,
  serverTlsSpec,
  startGrpcServer,
  startGrpcService,
  unary,
  type ClientTransport,
  type RunningGrpcServer,
} from '../src/index.js';
import { makeTestPki, NAMED_SERVER, type TestPki } from './support/certs.js';

const proto = loadUglyDucklingProto();
const log = createLogger('test', 'silent');
const NAME = 'skinlesion.ugly_duckling.v1.UglyDuckling';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});
afterAll(async () => {
  await pki?.remove();
});

const servers: RunningGrpcServer[] = [];
const closers: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const closer of closers.splice(0)) closer.close();
  await Promise.all(servers.splice(0).map((server) => server.shutdown(100)));
});

const serverSettings = (env: Env) => loadConfig(serverTlsSpec, env);
const clientSettings = (env: Env) => loadConfig(clientTlsSpec, env);

/** An UglyDuckling server on 127.0.0.1 with the server settings of env, SERVING. */
async function serve(env: Env): Promise<RunningGrpcServer> {
  const settings = serverSettings(env);
  const deps = { log, metrics: createGrpcMetrics(createRegistry('test')), grpcService: NAME };
  const server = await startGrpcServer(
    [{ name: NAME, definition: proto.UglyDuckling.service, implementation: { Score: unary('Score', async () => ({ ranked: false, reason: 'over tls', lesions: [] }), deps) } }],
    {
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 1024 * 1024,
      log,
      credentials: serverCredentialsFrom(settings),
      healthPort: settings.grpcHealthPort ?? undefined,
    },
  );
  server.setServing(true);
  servers.push(server);
  return server;
}

function client(port: number, transport: ClientTransport): UglyDucklingClient {
  const made = new proto.UglyDuckling(`127.0.0.1:${port}`, transport.credentials, transport.channelOptions) as UglyDucklingClient;
  closers.push(made);
  return made;
}

/** One Score call with a short deadline: resolves with the reason, or the error code. */
async function score(port: number, transport: ClientTransport): Promise<string> {
  try {
    const response = await callUnary(client(port, transport), 'Score', { lesions: [] }, { deadline: new Date(Date.now() + 5000) });
    return `ok: ${response.reason}`;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

const plaintext: ClientTransport = { credentials: credentials.createInsecure(), channelOptions: {} };
const serverTls = () => ({ GRPC_TLS_CERT_FILE: pki.serverCert, GRPC_TLS_KEY_FILE: pki.serverKey });
const serverMutualTls = () => ({ ...serverTls(), GRPC_TLS_CLIENT_CA_FILE: pki.caCert });
const clientTls = (extra: Env = {}) => clientTransportFrom(clientSettings({ GRPC_TLS_CA_FILE: pki.caCert, ...extra }));

describe('TLS on a gRPC hop', () => {
  it('serves a TLS client over TLS, health checks included, and refuses plaintext and untrusted clients', async () => {
    const server = await serve(serverTls());
    expect(serverTlsMode(serverSettings(serverTls()))).toBe('tls');
    expect(await score(server.port, clientTls())).toBe('ok: over tls');

    const checker = new HealthChecker(`127.0.0.1:${server.port}`, clientTls());
    closers.push(checker);
    expect(await checker.check(NAME)).toBe('SERVING');

    // A plaintext client speaks HTTP/2 into a TLS handshake: no connection, UNAVAILABLE.
    expect(await score(server.port, plaintext)).toBe('UNAVAILABLE');
    // The system's roots do not include the test CA.
    expect(await score(server.port, clientTransportFrom(clientSettings({ GRPC_TLS: 'system' })))).toBe('UNAVAILABLE');
  });

  it('with a client CA (mutual TLS), refuses a client without a certificate or with one from another CA', async () => {
    const server = await serve(serverMutualTls());
    expect(serverTlsMode(serverSettings(serverMutualTls()))).toBe('mutual');
    const withCertificate = clientTls({ GRPC_TLS_CLIENT_CERT_FILE: pki.clientCert, GRPC_TLS_CLIENT_KEY_FILE: pki.clientKey });
    expect(await score(server.port, withCertificate)).toBe('ok: over tls');
    expect(await score(server.port, clientTls())).toBe('UNAVAILABLE');
    expect(await score(server.port, clientTls({ GRPC_TLS_CLIENT_CERT_FILE: pki.strangerCert, GRPC_TLS_CLIENT_KEY_FILE: pki.strangerKey }))).toBe('UNAVAILABLE');
    expect(await score(server.port, plaintext)).toBe('UNAVAILABLE');
  });

  it('checks the name given in GRPC_TLS_SERVER_NAME instead of the address dialled', async () => {
    const server = await serve({ GRPC_TLS_CERT_FILE: pki.namedServerCert, GRPC_TLS_KEY_FILE: pki.namedServerKey });
    // The certificate names backend.skinlesion.test only, not 127.0.0.1.
    expect(await score(server.port, clientTls())).toBe('UNAVAILABLE');
    expect(await score(server.port, clientTls({ GRPC_TLS_SERVER_NAME: NAMED_SERVER }))).toBe('ok: over tls');
    expect(await score(server.port, clientTls({ GRPC_TLS_SERVER_NAME: 'other.skinlesion.test' }))).toBe('UNAVAILABLE');
  });

  it('answers grpc.health.v1 in plaintext on GRPC_HEALTH_PORT, and nothing else there', async () => {
    const server = await serve({ ...serverMutualTls(), GRPC_HEALTH_PORT: '0' });
    expect(server.healthPort).toBeGreaterThan(0);
    expect(server.healthPort).not.toBe(server.port);
    const probe = new HealthChecker(`127.0.0.1:${server.healthPort}`);
    closers.push(probe);
    expect(await probe.check('')).toBe('SERVING');
    expect(await score(server.healthPort!, plaintext)).toBe('UNIMPLEMENTED');
    server.setServing(false);
    expect(await probe.check('')).toBe('NOT_SERVING');
  });

  it('stays plaintext when nothing is set', async () => {
    const server = await serve({});
    expect(serverTlsMode(serverSettings({}))).toBe('off');
    expect(clientTlsMode(clientSettings({}))).toBe('off');
    expect(await score(server.port, clientTransportFrom(clientSettings({})))).toBe('ok: over tls');
    expect(server.healthPort).toBeUndefined();
  });
});

describe('TLS settings', () => {
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).problems];
    }
    return [];
  };

  it('refuses files that are missing, unreadable, or hold no certificate or key, naming the variable', async () => {
    const missing = path.join(pki.dir, 'absent.crt');
    const notPem = path.join(pki.dir, 'not-pem.txt');
    await writeFile(notPem, 'hello\n');
    const problems = problemsOf(() =>
      serverSettings({ GRPC_TLS_CERT_FILE: missing, GRPC_TLS_KEY_FILE: pki.dir, GRPC_TLS_CLIENT_CA_FILE: notPem }),
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^GRPC_TLS_CERT_FILE=.*absent\.crt.*cannot read the file: ENOENT: no such file or directory/);
    expect(problems[1]).toMatch(/^GRPC_TLS_KEY_FILE=.*cannot read the file: EISDIR/);
    expect(problems[2]).toMatch(/^GRPC_TLS_CLIENT_CA_FILE=.*no PEM certificate in the file/);

    // A certificate where the key should be, and a key where a certificate should be.
    const swapped = problemsOf(() => clientSettings({ GRPC_TLS_CA_FILE: pki.clientKey, GRPC_TLS_CLIENT_KEY_FILE: pki.clientCert }));
    expect(swapped).toEqual([expect.stringMatching(/^GRPC_TLS_CA_FILE=.*no PEM certificate/), expect.stringMatching(/^GRPC_TLS_CLIENT_KEY_FILE=.*no PEM private key/)]);
    expect(problemsOf(() => clientSettings({ GRPC_TLS_SERVER_NAME: 'not a name' }))).toEqual([expect.stringMatching(/^GRPC_TLS_SERVER_NAME=.*expected a DNS name/)]);
  });

  it('refuses a key without its certificate, a certificate without its key, and a key of another certificate', () => {
    expect(serverTlsProblems(serverSettings({ GRPC_TLS_KEY_FILE: pki.serverKey }))).toEqual([expect.stringMatching(/GRPC_TLS_KEY_FILE is set without GRPC_TLS_CERT_FILE/)]);
    expect(serverTlsProblems(serverSettings({ GRPC_TLS_CERT_FILE: pki.serverCert }))).toEqual([expect.stringMatching(/GRPC_TLS_CERT_FILE is set without GRPC_TLS_KEY_FILE/)]);
    expect(serverTlsProblems(serverSettings({ GRPC_TLS_CERT_FILE: pki.serverCert, GRPC_TLS_KEY_FILE: pki.clientKey }))).toEqual([
      expect.stringMatching(/GRPC_TLS_KEY_FILE \(.*client\.key\) is not the private key of the first certificate in GRPC_TLS_CERT_FILE/),
    ]);
    expect(serverTlsProblems(serverSettings({ GRPC_TLS_CLIENT_CA_FILE: pki.caCert }))).toEqual([expect.stringMatching(/mutual TLS needs the server's own certificate/)]);
    // The credentials refuse the same settings, for a caller that skipped the check.
    expect(problemsOf(() => serverCredentialsFrom(serverSettings({ GRPC_TLS_KEY_FILE: pki.serverKey })))).toHaveLength(1);
    expect(problemsOf(() => clientTransportFrom(clientSettings({ GRPC_TLS_CA_FILE: pki.caCert, GRPC_TLS_CLIENT_CERT_FILE: pki.clientCert })))).toEqual([
      expect.stringMatching(/GRPC_TLS_CLIENT_CERT_FILE is set without GRPC_TLS_CLIENT_KEY_FILE/),
    ]);
  });

  it('refuses client settings that would be ignored or contradict each other', () => {
    const pair = { GRPC_TLS_CLIENT_CERT_FILE: pki.clientCert, GRPC_TLS_CLIENT_KEY_FILE: pki.clientKey };
    expect(clientTlsProblems(clientSettings({ GRPC_TLS: 'off', GRPC_TLS_CA_FILE: pki.caCert }))).toEqual([expect.stringMatching(/GRPC_TLS=off but GRPC_TLS_CA_FILE is set/)]);
    expect(clientTlsProblems(clientSettings({ ...pair, GRPC_TLS_SERVER_NAME: NAMED_SERVER }))).toEqual([
      expect.stringMatching(/GRPC_TLS_CLIENT_CERT_FILE, GRPC_TLS_CLIENT_KEY_FILE, GRPC_TLS_SERVER_NAME take effect only with TLS/),
    ]);
    expect(clientTlsProblems(clientSettings({ GRPC_TLS: 'system', GRPC_TLS_CA_FILE: pki.caCert }))).toEqual([expect.stringMatching(/GRPC_TLS=system .* GRPC_TLS_CA_FILE would replace them/)]);
    expect(clientTlsProblems(clientSettings({ GRPC_TLS: 'system', ...pair }))).toEqual([]);
    expect(clientTlsMode(clientSettings({ GRPC_TLS: 'system' }))).toBe('system');
    expect(clientTlsMode(clientSettings({ GRPC_TLS_CA_FILE: pki.caCert }))).toBe('ca');
    expect(clientTransportFrom(clientSettings({ GRPC_TLS_CA_FILE: pki.caCert, GRPC_TLS_SERVER_NAME: NAMED_SERVER })).channelOptions).toEqual({
      'grpc.ssl_target_name_override': NAMED_SERVER,
    });
  });

  it('never shows key bytes when the settings are logged', () => {
    const settings = serverSettings(serverTls());
    const text = JSON.stringify(settings);
    expect(text).not.toMatch(/PRIVATE KEY|CERTIFICATE/);
    expect(JSON.parse(text)).toMatchObject({ grpcTlsCert: pki.serverCert, grpcTlsKey: pki.serverKey, grpcTlsClientCa: null });
  });

  it('makes a service refuse to start on bad TLS settings before its set-up runs', async () => {
    let setUpRan = false;
    const start = startGrpcService({
      service: 'test',
      host: '127.0.0.1',
      port: 0,
      metricsPort: 0,
      maxMessageBytes: 1024 * 1024,
      shutdownGraceMs: 100,
      logLevel: 'silent',
      ...serverSettings({ GRPC_TLS_KEY_FILE: pki.serverKey }),
      setUp: async () => {
        setUpRan = true;
        return { bindings: [] };
      },
    });
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    expect(setUpRan).toBe(false);
  });
});
