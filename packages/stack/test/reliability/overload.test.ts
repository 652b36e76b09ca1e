import { makeWidefieldPhoto } from '@skinlesion/synth';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/index.js';
import { postParts } from './support/http.js';
import { countBy, LoadRun, outcomeLabel, type Sample } from './support/load.js';
import { markdownTable, writeReport } from './support/report.js';
import { deadProcesses, metricSum, readiness, scrape, startTestStack } from './support/stack.js';

/** The gateway's admission limit for this run: small, so that 10 x of it is cheap to offer. */
const IN_FLIGHT = 2;
const QUEUED = 4;
/** 10 x the requests the gateway serves and queues at once, each sending without pause. */
const CLIENTS = 10 * (IN_FLIGHT + QUEUED);
const REQUESTS = 1500;
const MAX_MS = 8_000;
const MIB = 1024 * 1024;
/** The bound for every process under overload. */
const RSS_LIMIT_BYTES = 1.5 * 1024 * MIB;

/** Resident set size of a process now, from /proc (Linux). */
function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

describe('10 x overload at the gateway', () => {
  let stack: Stack;
  let photo: Uint8Array;

  beforeAll(async () => {
    photo = (await makeWidefieldPhoto({ width: 640, height: 480, lesions: 6, seed: 5 })).image;
    stack = await startTestStack({
      env: { MAX_IN_FLIGHT_REQUESTS: String(IN_FLIGHT), MAX_QUEUED_REQUESTS: String(QUEUED), MAX_QUEUE_WAIT_MS: '5000' },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses the excess at once with 503 and Retry-After, serves the rest correctly, and keeps memory bounded', async () => {
    const analyse = () => postParts(stack.url, '/v1/analyses', [{ bytes: photo, type: 'image/jpeg' }], { timeoutMs: 30_000 });
    const reference = await analyse();
    expect(reference.status).toBe(200);
    const lesionCount = (reference.body as { lesions: unknown[] }).lesions.length;

    const baseline = Object.fromEntries(stack.all.map((service) => [service.name, rssBytes(service.pid)]));
    const peak = { ...baseline };
    const sampler = setInterval(() => {
      for (const service of stack.all) peak[service.name] = Math.max(peak[service.name] ?? 0, rssBytes(service.pid));
    }, 50);

    let samples: Sample[];
    try {
      samples = await new LoadRun({ clients: CLIENTS, requests: REQUESTS, maxMs: MAX_MS, send: analyse }).done;
    } finally {
      clearInterval(sampler);
    }

    const outcomes = countBy(samples, (sample) => outcomeLabel(sample.outcome));
    const accepted = samples.filter((sample) => sample.outcome.status === 200);
    const refused = samples.filter((sample) => sample.outcome.status === 503);
    const other = samples.filter((sample) => sample.outcome.status !== 200 && sample.outcome.status !== 503);
    const metrics = await scrape(`${stack.url}/metrics`);
    const figures = {
      clients: CLIENTS,
      limits: { inFlight: IN_FLIGHT, queued: QUEUED },
      requests: samples.length,
      outcomes,
      acceptedMs: { p50: percentile(accepted.map((s) => s.outcome.ms), 0.5), p99: percentile(accepted.map((s) => s.outcome.ms), 0.99) },
      refusedMs: { p50: percentile(refused.map((s) => s.outcome.ms), 0.5), p99: percentile(refused.map((s) => s.outcome.ms), 0.99) },
      refusedByGateway: metricSum(metrics, 'skinlesion_admission_refused_total', { group: 'analysis' }),
      rssMiB: Object.fromEntries(Object.keys(peak).map((name) => [name, { before: Math.round(baseline[name] / MIB), peak: Math.round(peak[name] / MIB) }])),
    };
    writeReport(
      'reliability-overload',
      [
        `# Overload: ${CLIENTS} clients without pause against a gateway admitting ${IN_FLIGHT} + ${QUEUED} queued`,
        '',
        markdownTable(['outcome', 'requests'], Object.entries(outcomes)),
        '',
        markdownTable(
          ['', 'p50 ms', 'p99 ms'],
          [
            ['accepted (200)', figures.acceptedMs.p50.toFixed(0), figures.acceptedMs.p99.toFixed(0)],
            ['refused (503)', figures.refusedMs.p50.toFixed(1), figures.refusedMs.p99.toFixed(1)],
          ],
        ),
        '',
        markdownTable(['process', 'RSS before MiB', 'peak RSS MiB'], Object.entries(figures.rssMiB).map(([name, rss]) => [name, rss.before, rss.peak])),
      ].join('\n'),
      figures,
    );

    // Only two answers: served, or refused by the gateway's admission limit.
    expect(other.map((sample) => outcomeLabel(sample.outcome))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length, 'a load of 10 x capacity is partly refused').toBeGreaterThan(0);
    for (const sample of refused) {
      expect(sample.outcome.problem).toBe('overloaded');
      expect(Number(sample.outcome.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(figures.refusedByGateway).toBe(refused.length);
    // Every accepted answer is complete: the same lesions as without load.
    for (const sample of accepted) expect((sample.outcome.body as { lesions: unknown[] }).lesions).toHaveLength(lesionCount);
    // A refusal does not wait behind the backlog: it comes back long before a served request
    // does (a loose bound: this is a behaviour check, the figures are in the report).
    expect(figures.refusedMs.p50).toBeLessThan(figures.acceptedMs.p50);
    for (const [name, bytes] of Object.entries(peak)) expect(bytes, `${name} peak RSS`).toBeLessThan(RSS_LIMIT_BYTES);

    expect(deadProcesses(stack)).toEqual([]);
    expect((await readiness(stack.url)).status).toBe(200);
    expect((await analyse()).status).toBe(200);
  }, 90_000);
});
