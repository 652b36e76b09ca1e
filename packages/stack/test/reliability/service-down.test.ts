import { makeWidefieldPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess, Stack } from '../../src/index.js';
import { postParts, type Outcome, type ProblemBody } from './support/http.js';
import { markdownTable, writeReport } from './support/report.js';
import { deadProcesses, eventually, readiness, startTestStack } from './support/stack.js';

/** What "fails fast" means here: an answer within 1 s, against a 60 s request deadline. */
const FAST_MS = 1_000;
/** Requests sent while the service is down, to see that every one of them fails fast. */
const PROBES = 5;

interface Row {
  service: string;
  notReadyMs: number;
  path: string;
  status: Outcome['status'];
  problem: string;
  retryAfter: string | null;
  slowestMs: number;
  /** From the restart to the first 200 answer, and to /readyz 200. */
  servingMs: number;
  readyMs: number;
}

describe('a backend service that is down', () => {
  let stack: Stack;
  let photo: Uint8Array;
  const rows: Row[] = [];

  beforeAll(async () => {
    // Three or more pigmented lesions, so that an analysis needs the ugly-duckling service too.
    photo = (await makeWidefieldPhoto({ width: 640, height: 480, lesions: 8, seed: 29 })).image;
    stack = await startTestStack({ classifierReplicas: 1 });
  }, 120_000);

  afterAll(async () => {
    if (rows.length > 0) {
      const table = markdownTable(
        ['service stopped', '/readyz 503 naming it after, ms', 'request', 'answer', 'Retry-After', `slowest of ${PROBES}, ms`, 'restart to first 200, ms', 'restart to /readyz 200, ms'],
        rows.map((row) => [row.service, row.notReadyMs, `POST ${row.path}`, `${row.status} ${row.problem}`, row.retryAfter ?? '-', row.slowestMs, row.servingMs, row.readyMs]),
      );
      const file = writeReport('reliability-service-down', `# A backend service that is down\n\n${table}\n`, rows);
      console.log(`${table}\n(written to ${file})`);
    }
    await stack?.stop();
  }, 60_000);

  const post = (path: string) => postParts(stack.url, path, [{ bytes: photo, type: 'image/jpeg' }], { timeoutMs: 30_000 });

  /**
   * Stops the service (a clean SIGTERM: the process is gone, as after a crash or an eviction),
   * checks readiness and fail-fast answers while it is away, restarts it and waits for a 200.
   */
  async function whileDown(service: ServiceProcess, name: string, path: string): Promise<void> {
    expect((await post(path)).status).toBe(200);
    await service.stop();
    const notReadyMs = await eventually(async () => {
      const ready = await readiness(stack.url);
      return ready.status === 503 && ready.detail.includes(name);
    }, 5_000, `/readyz to name ${name}`);

    const answers: Outcome[] = [];
    for (let probe = 0; probe < PROBES; probe += 1) answers.push(await post(path));
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.problem).toBe('service-unavailable');
      expect((answer.body as ProblemBody).service).toBe(name);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect(answer.ms).toBeLessThan(FAST_MS);
    }

    const restartAt = performance.now();
    await service.restart();
    // Back once a real request succeeds and /readyz agrees (their channels reconnect apart).
    await eventually(async () => (await post(path)).status === 200, 30_000, `${path} to succeed after ${name} restarted`);
    const servingMs = performance.now() - restartAt;
    await eventually(async () => (await readiness(stack.url)).status === 200, 30_000, `/readyz 200 after ${name} restarted`);
    rows.push({
      service: name,
      notReadyMs: Math.round(notReadyMs),
      path,
      status: answers[0].status,
      problem: answers[0].problem ?? '',
      retryAfter: answers[0].retryAfter,
      slowestMs: Math.round(Math.max(...answers.map((answer) => answer.ms))),
      servingMs: Math.round(servingMs),
      readyMs: Math.round(performance.now() - restartAt),
    });
    expect(deadProcesses(stack)).toEqual([]);
  }

  it('tiler down: /readyz 503 at once, analyses and classify fail fast with 503 + Retry-After', async () => {
    await whileDown(stack.tiler, 'tiler', '/v1/analyses');
    await whileDown(stack.tiler, 'tiler', '/v1/classify');
  }, 60_000);

  it('ugly-duckling down: the same, for an analysis that needs it', async () => {
    await whileDown(stack.uglyDuckling, 'ugly-duckling', '/v1/analyses');
  }, 60_000);

  it('the only classifier replica down: the same', async () => {
    await whileDown(stack.classifiers[0], 'classifier', '/v1/analyses');
  }, 60_000);
});
