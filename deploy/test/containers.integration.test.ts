import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { StartedTestContainer } from 'testcontainers';
import { makeWidefieldPhoto, type SynthPhoto } from '../../packages/synth/src/index.js';
import { baseImage, buildServiceImage, counterValue, ensureDockerEngine, healthOf, imageSize, logged, metricsInside, type Engine } from './support/docker.js';
import { repoPath, SERVICE_NAMES, SERVICES, type ServiceName } from './support/services.js';

const run = promisify(execFile);

// testcontainers' reaper (Ryuk) is an image pulled from a registry, which these machines lack;
// everything started here is stopped in afterAll instead.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
// The containers share the host's network, so they are on 127.0.0.1. Without this, inside a
// container testcontainers looks for the default bridge's gateway, and the engine has no bridge.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

/** Images built here: the same names as compose's with IMAGE_TAG=test. */
const TAG = 'test';
const image = (service: ServiceName) => `skinlesion/${service}:${TAG}`;
const LESION_CLASSES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'];

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Polls until check() is true, failing after timeoutMs: no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Analysis {
  photos: { width: number; height: number; blurred: boolean; candidates: number }[];
  lesions: { x: number; y: number; class: string; probabilities: Record<string, number> }[];
  risk: string;
}

async function analyse(url: string, photo: SynthPhoto): Promise<{ status: number; body: Analysis }> {
  const response = await fetch(`${url}/v1/analyses`, { method: 'POST', body: photo.image, headers: { 'content-type': 'image/jpeg' } });
  return { status: response.status, body: (await response.json()) as Analysis };
}

/** The checks of one analysis of a synthetic photo with planted lesions. */
function expectSound(body: Analysis, photo: SynthPhoto): void {
  expect(body.photos).toHaveLength(1);
  expect(body.photos[0]).toMatchObject({ width: photo.width, height: photo.height, blurred: false });
  // Nearly every planted lesion is found: a candidate centre within its radius.
  const found = photo.lesions.filter((truth) => body.lesions.some((lesion) => Math.hypot(lesion.x - truth.x, lesion.y - truth.y) <= truth.diameter / 2));
  expect(found.length / photo.lesions.length).toBeGreaterThanOrEqual(0.9);
  for (const lesion of body.lesions) {
    expect(LESION_CLASSES).toContain(lesion.class);
    expect(Object.values(lesion.probabilities).reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 4);
  }
  expect(['LOW', 'MEDIUM', 'HIGH']).toContain(body.risk);
}

/**
 * The four images built from the repository's Dockerfile on a local base image and run as
 * containers: the system analyses a photo uploaded to the gateway container, survives a
 * classifier container stopped in the middle of a run, and, under docker-compose, balances over
 * the classifier replicas it finds through DNS.
 */
describe('the service images, built and run', () => {
  let engine: Engine | undefined;
  let skipped: string | undefined;
  let photo: SynthPhoto;
  const containers: Partial<Record<string, StartedTestContainer>> = {};
  const ports: Record<string, number> = {};
  let gatewayUrl: string;

  const skipIfNoEngine = (context: TestContext) => {
    if (skipped) context.skip(skipped);
  };

  beforeAll(async () => {
    engine = await ensureDockerEngine();
    if (!engine.available) {
      skipped = `no container engine: ${engine.reason}`;
      console.warn(`containers.integration.test.ts skipped: ${skipped}`);
      return;
    }
    const started = Date.now();
    const base = await baseImage();
    if ('reason' in base) {
      skipped = base.reason;
      console.warn(`containers.integration.test.ts skipped: ${skipped}`);
      return;
    }
    const baseDone = Date.now();
    // One after another: the first build fills the shared build stage, the others reuse it.
    const timings: string[] = [];
    for (const service of SERVICE_NAMES) {
      const begin = Date.now();
      await buildServiceImage(service, base.tag, image(service));
      timings.push(`${service} ${((Date.now() - begin) / 1000).toFixed(1)} s, ${((await imageSize(image(service))) / 1e6).toFixed(0)} MB`);
    }
    console.info(`base image ${base.tag}: ${((baseDone - started) / 1000).toFixed(1)} s; images: ${timings.join('; ')}`);
    photo = await makeWidefieldPhoto({ width: 1600, height: 1200, lesions: 16, seed: 11 });
  }, 20 * 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(containers).map((container) => container?.stop({ timeout: 5_000 }).catch(() => undefined)));
    if (engine?.available) await engine.stop();
  }, 120_000);

  it('starts the four images on the host network and turns each healthy', async (context) => {
    skipIfNoEngine(context);
    const { GenericContainer, Wait } = await import('testcontainers');
    const [tiler, tilerMetrics, classifierA, metricsA, classifierB, metricsB, uglyDuckling, uglyMetrics, gateway] = await freePorts(9);
    Object.assign(ports, { tiler, classifierA, metricsA, classifierB, metricsB, uglyDuckling, gateway });
    gatewayUrl = `http://127.0.0.1:${gateway}`;
    // Host networking shares one port space: every container gets its own ports by environment.
    const specs: [string, ServiceName, Record<string, string>][] = [
      ['tiler', 'tiler', { TILER_PORT: String(tiler), TILER_METRICS_PORT: String(tilerMetrics) }],
      ['classifier-a', 'classifier', { CLASSIFIER_PORT: String(classifierA), CLASSIFIER_METRICS_PORT: String(metricsA) }],
      ['classifier-b', 'classifier', { CLASSIFIER_PORT: String(classifierB), CLASSIFIER_METRICS_PORT: String(metricsB) }],
      ['ugly-duckling', 'ugly-duckling', { UGLY_DUCKLING_PORT: String(uglyDuckling), UGLY_DUCKLING_METRICS_PORT: String(uglyMetrics) }],
      [
        'gateway',
        'gateway',
        {
          PORT: String(gateway),
          TILER_ADDR: `127.0.0.1:${tiler}`,
          CLASSIFIER_ADDRS: `127.0.0.1:${classifierA},127.0.0.1:${classifierB}`,
          UGLY_DUCKLING_ADDR: `127.0.0.1:${uglyDuckling}`,
          // Small chunks: one analysis makes several ModelInfer calls, spread over both replicas.
          CLASSIFY_CHUNK: '4',
        },
      ],
    ];
    const results = await Promise.all(
      specs.map(async ([name, service, env]) => {
        const container = await new GenericContainer(image(service))
          .withName(`skinlesion-test-${name}-${process.pid}`)
          .withNetworkMode('host')
          .withEnvironment({ LOG_LEVEL: 'warn', ...env })
          // The image's own HEALTHCHECK (the gateway's waits for /readyz, so for all the others).
          .withWaitStrategy(Wait.forHealthCheck())
          .withStartupTimeout(150_000)
          .start();
        containers[name] = container;
        return [name, await healthOf(container.getId())] as const;
      }),
    );
    expect(Object.fromEntries(results)).toEqual({ tiler: 'healthy', 'classifier-a': 'healthy', 'classifier-b': 'healthy', 'ugly-duckling': 'healthy', gateway: 'healthy' });
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);
    const page = await fetch(`${gatewayUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  }, 240_000);

  it('analyses a photo uploaded to the gateway container', async (context) => {
    skipIfNoEngine(context);
    const { status, body } = await analyse(gatewayUrl, photo);
    expect(status).toBe(200);
    expectSound(body, photo);
  }, 60_000);

  it('keeps answering while a classifier container is stopped in the middle of a run', async (context) => {
    skipIfNoEngine(context);
    const calls = async (name: string, port: number) => counterValue(await metricsInside(containers[name]!.getId(), port), 'grpc_server_handled_total', 'grpc_method="ModelInfer"');
    const beforeB = await calls('classifier-b', ports.metricsB);

    // Two requests in flight at a time, eight in all; classifier-a is stopped (SIGTERM, drain)
    // once the first has been answered, while the next ones are being classified.
    const statuses: number[] = [];
    let next = 0;
    let firstDone!: () => void;
    const first = new Promise<void>((resolve) => (firstDone = resolve));
    const worker = async () => {
      while (next < 8) {
        next += 1;
        const { status, body } = await analyse(gatewayUrl, photo);
        statuses.push(status);
        if (status === 200) expectSound(body, photo);
        firstDone();
      }
    };
    const workers = [worker(), worker()];
    await first;
    const answeredBeforeStop = statuses.length;
    const stopping = containers['classifier-a']!.stop({ timeout: 25_000 });
    await Promise.all([...workers, stopping]);
    delete containers['classifier-a'];
    expect(answeredBeforeStop).toBeLessThan(8);
    expect(statuses).toEqual(Array(8).fill(200));

    // With one replica left every request still succeeds, all on classifier-b.
    const after = await analyse(gatewayUrl, photo);
    expect(after.status).toBe(200);
    expect(await calls('classifier-b', ports.metricsB)).toBeGreaterThan(beforeB);
    // Readiness names the missing replica (the gateway wants every listed one).
    const readiness = await fetch(`${gatewayUrl}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.text()).toContain(`127.0.0.1:${ports.classifierA}`);
  }, 180_000);

  it('runs under docker-compose with --scale classifier=2, the gateway using both replicas through DNS', async (context) => {
    skipIfNoEngine(context);
    // Free the CPU for the compose project.
    await Promise.all(Object.values(containers).map((container) => container?.stop({ timeout: 20_000 })));
    for (const name of Object.keys(containers)) delete containers[name];
    const tool = await composeCommand();
    if (!tool) {
      context.skip('docker-compose is not installed (scripts/setup.sh installs it)');
      return;
    }
    const [published] = await freePorts(1);
    const project = `skinlesion-test-${process.pid}`;
    const compose = (args: string[], log: string) =>
      logged(tool[0], [...tool.slice(1), '--project-name', project, '--file', repoPath('docker-compose.yml'), ...args], log, {
        env: { IMAGE_TAG: TAG, GATEWAY_PUBLISHED_PORT: String(published), PUBLISH_ADDRESS: '127.0.0.1', LOG_LEVEL: 'warn' },
      });
    try {
      await compose(['up', '--detach', '--no-build', '--scale', 'classifier=2', 'tiler', 'classifier', 'ugly-duckling', 'gateway'], 'compose-up.log');
      const url = `http://127.0.0.1:${published}`;
      await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, 150_000, 'the compose gateway to be ready');
      const ids = (await compose(['ps', '--quiet', 'classifier'], 'compose-ps.log')).split('\n').filter(Boolean);
      expect(ids).toHaveLength(2);

      const small = await makeWidefieldPhoto({ width: 800, height: 600, lesions: 8, seed: 5 });
      // Sequential analyses until both replicas have had ModelInfer calls: round robin over the
      // addresses DNS gives for "classifier" (a pick-first channel would never reach the second).
      const served = async () =>
        Promise.all(ids.map(async (id) => counterValue(await metricsInside(id, SERVICES.classifier.metricsPort), 'grpc_server_handled_total', 'grpc_method="ModelInfer"')));
      const statuses: number[] = [];
      await eventually(
        async () => {
          statuses.push((await analyse(url, small)).status);
          return (await served()).every((count) => count > 0);
        },
        60_000,
        'both classifier replicas to serve calls',
      );
      expect(statuses.every((status) => status === 200), `statuses ${statuses.join(', ')}`).toBe(true);
    } finally {
      await compose(['down', '--volumes', '--timeout', '20'], 'compose-down.log');
    }
  }, 300_000);
});

/** Debian's docker-compose 1.x, else the docker CLI's compose plugin. */
async function composeCommand(): Promise<string[] | undefined> {
  for (const candidate of [['docker-compose'], ['docker', 'compose']]) {
    try {
      await run(candidate[0], [...candidate.slice(1), 'version']);
      return candidate;
    } catch {
      // Not installed: try the next.
    }
  }
  return undefined;
}
