import { Registry } from '@skinlesion/metrics';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps, type AppOptions } from '../../src/app.js';
import { createClients, type GatewayClients } from '../../src/clients.js';
import { loadGatewayConfig } from '../../src/config.js';
import {
  startFakeClassifier,
  startFakeTiler,
  startFakeUglyDuckling,
  type FakeClassifier,
  type FakeTiler,
  type FakeUglyDuckling,
} from './fake-services.js';

/** The gateway's defaults, as its config gives them when only the backends' addresses are set. */
const DEFAULTS = loadGatewayConfig({ TILER_ADDR: 'localhost:1', CLASSIFIER_ADDRS: 'localhost:2', UGLY_DUCKLING_ADDR: 'localhost:3' });

/** The defaults (admission, security: no keys, no rate limit, headers on, no CORS), with small limits and short deadlines for tests. */
export const TEST_OPTIONS: AppOptions = {
  ...DEFAULTS,
  requestTimeoutMs: 10_000,
  maxRequestTimeoutMs: 30_000,
  grpcMaxMessageBytes: 64 * 1024 * 1024,
  maxUploadBytes: 64 * 1024,
  maxInferenceBodyBytes: 4 * 1024 * 1024,
  maxPhotos: 4,
  maxCandidates: 1000,
  classifyChunk: 8,
  readinessTimeoutMs: 1000,
};

export interface Stack {
  app: FastifyInstance;
  registry: Registry;
  tiler: FakeTiler;
  classifiers: FakeClassifier[];
  uglyDuckling: FakeUglyDuckling;
  clients: GatewayClients;
  close(): Promise<void>;
}

/**
 * The gateway app wired to in-process fake services over real gRPC on loopback; `deps` gives it
 * a logger or a clock of the test's own.
 */
export async function startStack(options: Partial<AppOptions> = {}, replicas = 2, deps: Pick<AppDeps, 'logger' | 'now'> = {}): Promise<Stack> {
  const [tiler, uglyDuckling, ...classifiers] = await Promise.all([
    startFakeTiler(),
    startFakeUglyDuckling(),
    ...Array.from({ length: replicas }, () => startFakeClassifier()),
  ]);
  const fakeTiler = tiler as FakeTiler;
  const fakeUd = uglyDuckling as FakeUglyDuckling;
  const fakeClassifiers = classifiers as FakeClassifier[];
  const clients = createClients({
    tilerAddr: fakeTiler.address,
    classifierAddrs: fakeClassifiers.map((classifier) => classifier.address),
    uglyDucklingAddr: fakeUd.address,
    grpcMaxMessageBytes: 64 * 1024 * 1024,
  });
  const registry = new Registry();
  const app = buildApp({ ...clients, registry, ...deps }, { ...TEST_OPTIONS, ...options });
  return {
    app,
    registry,
    tiler: fakeTiler,
    classifiers: fakeClassifiers,
    uglyDuckling: fakeUd,
    clients,
    async close() {
      await app.close();
      clients.close();
      await Promise.all([fakeTiler.server, fakeUd.server, ...fakeClassifiers.map((c) => c.server)].map((server) => server.shutdown(100)));
    },
  };
}

export interface Part {
  name?: string;
  /** A file part's bytes; without them the part is a text field with `text`. */
  data?: Buffer;
  text?: string;
  type?: string;
  filename?: string;
}

/** A multipart/form-data body, serialised by the platform's own FormData. */
export async function multipart(parts: Part[]): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  parts.forEach((part, index) => {
    if (part.data === undefined) form.append(part.name ?? 'note', part.text ?? '');
    else form.append(part.name ?? 'image', new Blob([new Uint8Array(part.data)], { type: part.type ?? 'image/jpeg' }), part.filename ?? `photo-${index}.jpg`);
  });
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    headers: { 'content-type': response.headers.get('content-type') as string },
  };
}
