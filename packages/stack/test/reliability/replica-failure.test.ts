import { makeWidefieldPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/index.js';
import { postParts, send } from './support/http.js';
import { countBy, LoadRun, outcomeLabel, type Sample } from './support/load.js';
import { markdownTable, writeReport } from './support/report.js';
import { deadProcesses, eventually, metricSum, readiness, scrape, startTestStack } from './support/stack.js';

const CLIENTS = 8;
const REQUESTS = 160;
/** The replica dies once this many answers are in: a quarter of the run. */
const KILL_AFTER = 40;

interface Lesion {
  x: number;
  y: number;
  class: string;
  probabilities: Record<string, number>;
}

interface Figures {
  requests: number;
  ok: number;
  serverErrors: number;
  lost: number;
  wrong: number;
  sentAfterKill: number;
  notReadyAfterKillMs: number;
  slowestMs: number;
  readyAfterRestartMs: number;
  trafficAfterRestartMs: number;
  restartedReplicaRequests: number;
  outcomes: Record<string, number>;
}

describe('one of two classifier replicas dies under load', () => {
  let stack: Stack;
  let photo: Uint8Array;
  let reference: Lesion[];
  const figures: Partial<Figures> = {};

  const analyse = () => postParts(stack.url, '/v1/analyses', [{ bytes: photo, type: 'image/jpeg' }], { timeoutMs: 30_000 });
  const replicaAddress = () => `127.0.0.1:${stack.classifiers[0].ports.port}`;

  /** The lesions of an answer match the reference: same places, classes and probabilities. */
  function wrongAnswer(sample: Sample): string | undefined {
    if (sample.outcome.status !== 200) return undefined;
    const lesions = (sample.outcome.body as { lesions: Lesion[] }).lesions;
    if (lesions.length !== reference.length) return `${lesions.length} lesions, expected ${reference.length}`;
    for (const [index, lesion] of lesions.entries()) {
      const want = reference[index];
      if (lesion.x !== want.x || lesion.y !== want.y || lesion.class !== want.class) return `lesion ${index} differs`;
      // Replicas run the same model; batching may change float rounding, nothing more.
      for (const [name, p] of Object.entries(want.probabilities)) if (Math.abs(lesion.probabilities[name] - p) > 1e-4) return `lesion ${index} ${name} differs`;
    }
    return undefined;
  }

  beforeAll(async () => {
    const synth = await makeWidefieldPhoto({ width: 480, height: 360, lesions: 6, seed: 17 });
    photo = synth.image;
    stack = await startTestStack({ classifierReplicas: 2 });
    const first = await analyse();
    expect(first.status).toBe(200);
    reference = (first.body as { lesions: Lesion[] }).lesions;
    expect(reference.length).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    if (figures.requests !== undefined) {
      const rows: [string, string | number][] = [
        ['replicas', 2],
        ['clients', CLIENTS],
        ['requests (POST /v1/analyses)', figures.requests],
        ['fault', `SIGKILL of classifier-1 after ${KILL_AFTER} answers`],
        ['requests sent after the kill', figures.sentAfterKill ?? '-'],
        ['200 with the reference answer', figures.ok ?? '-'],
        ['5xx', figures.serverErrors ?? '-'],
        ['lost (no answer)', figures.lost ?? '-'],
        ['wrong answers', figures.wrong ?? '-'],
        ['slowest answer, ms', figures.slowestMs ?? '-'],
        ['/readyz 503 after the kill, within ms', figures.notReadyAfterKillMs ?? '-'],
        ['/readyz 200 after the restart, within ms', figures.readyAfterRestartMs ?? '-'],
        ['restarted replica served again, within ms', figures.trafficAfterRestartMs ?? '-'],
        ['calls the restarted replica served', figures.restartedReplicaRequests ?? '-'],
      ];
      const table = markdownTable(['replica failure', 'value'], rows);
      const file = writeReport('reliability-replica-failure', `# A classifier replica killed under load\n\n${table}\n`, figures);
      console.log(`${table}\n(written to ${file})`);
    }
    await stack?.stop();
  }, 60_000);

  it('answers every request in full and correctly while a replica is killed mid-run', async () => {
    const load = new LoadRun({ clients: CLIENTS, requests: REQUESTS, maxMs: 60_000, send: analyse });
    await load.answered(KILL_AFTER);
    const killAt = performance.now();
    await stack.classifiers[0].kill();
    // The gateway's readiness names the dead replica while the load goes on.
    figures.notReadyAfterKillMs = Math.round(
      await eventually(async () => {
        const ready = await readiness(stack.url);
        return ready.status === 503 && ready.detail.includes(`classifier ${replicaAddress()}`);
      }, 5_000, '/readyz to name the dead replica'),
    );
    const samples = await load.done;

    figures.requests = samples.length;
    figures.sentAfterKill = samples.filter((sample) => sample.sentAt >= killAt).length;
    figures.ok = samples.filter((sample) => sample.outcome.status === 200 && wrongAnswer(sample) === undefined).length;
    figures.serverErrors = samples.filter((sample) => typeof sample.outcome.status === 'number' && sample.outcome.status >= 500).length;
    figures.lost = samples.filter((sample) => typeof sample.outcome.status !== 'number').length;
    figures.wrong = samples.filter((sample) => wrongAnswer(sample) !== undefined).length;
    figures.slowestMs = Math.round(Math.max(...samples.map((sample) => sample.outcome.ms)));
    figures.outcomes = countBy(samples, (sample) => outcomeLabel(sample.outcome));

    expect(samples).toHaveLength(REQUESTS);
    expect(figures.outcomes).toEqual({ 200: REQUESTS });
    expect(samples.map(wrongAnswer).filter(Boolean)).toEqual([]);
    // The fault happened in the middle: a good share of the run came after it.
    expect(figures.sentAfterKill).toBeGreaterThanOrEqual(REQUESTS / 4);
    expect(stack.classifiers[0].running).toBe(false);
    expect(deadProcesses(stack)).toEqual(['classifier-1']);
  }, 90_000);

  it('takes traffic again on the restarted replica, and /readyz recovers', async () => {
    const restartAt = performance.now();
    await stack.classifiers[0].restart();
    expect(stack.classifiers[0].starts).toBe(2);
    await eventually(async () => (await readiness(stack.url)).status === 200, 30_000, '/readyz 200');
    figures.readyAfterRestartMs = Math.round(performance.now() - restartAt);
    const metricsUrl = `http://127.0.0.1:${stack.classifiers[0].ports.metricsPort}/metrics`;
    const served = async () => metricSum(await scrape(metricsUrl), 'classifier_requests_total', { outcome: 'ok' });
    expect(await served()).toBe(0);

    // Load until the new process has served calls; the gateway's balancer must find it again.
    const load = new LoadRun({ clients: 4, requests: 400, maxMs: 30_000, send: analyse });
    try {
      await eventually(async () => (await served()) >= 5, 30_000, 'the restarted replica to serve calls');
      figures.trafficAfterRestartMs = Math.round(performance.now() - restartAt);
    } finally {
      await load.stop();
    }
    const samples = load.samples;
    figures.restartedReplicaRequests = await served();
    expect(countBy(samples, (sample) => outcomeLabel(sample.outcome))).toEqual({ 200: samples.length });
    expect(samples.map(wrongAnswer).filter(Boolean)).toEqual([]);
    // The gateway counts the crops it sent to that address too.
    const gatewayView = metricSum(await scrape(`${stack.url}/metrics`), 'skinlesion_classifier_crops_total', { replica: replicaAddress() });
    expect(gatewayView).toBeGreaterThan(0);
    expect((await send(`${stack.url}/readyz`, { timeoutMs: 5_000 })).status).toBe(200);
    expect(deadProcesses(stack)).toEqual([]);
  }, 90_000);
});
