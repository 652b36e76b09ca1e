import { makeWidefieldPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess, Stack } from '../../src/index.js';
import { postParts, probe, send, type Outcome } from './support/http.js';
import { countBy, LoadRun, outcomeLabel, type Sample } from './support/load.js';
import { markdownTable, writeReport } from './support/report.js';
import { deadProcesses, eventually, LogTap, startTestStack } from './support/stack.js';

/** Each service's drain limit here; a drain that needs longer fails the test. */
const GRACE_MS = 8_000;
const CLIENTS = 6;
/** Answers to wait for in each phase: warm-up, after the exit, after the restart. */
const PHASE_ANSWERS = 10;
/**
 * A refusal slower than this would be a timeout in disguise (the request deadline is 60 s). A
 * request refused by ugly-duckling was tiled and classified first, hence not 1 s as for the tiler.
 */
const REFUSAL_MS = 3_000;

interface Lesion {
  x: number;
  y: number;
  class: string;
}

/** What a client can tell about a request: done, refused before any work, or lost. */
type Verdict = 'completed' | 'refused' | 'failed';

/**
 * Refused: nobody took the request (the connection was refused), or the gateway answered 503
 * with Retry-After because the stopped service did not take the call: the client knows nothing
 * was done and when to retry. That the stopped service lost none of the calls it did take is
 * shown by its drain (exit code 0 within the grace period, no forced close). Anything else that
 * is not a full 200 answer, a reset connection included, is a request lost.
 */
function verdict(outcome: Outcome, stopped: string): Verdict {
  if (outcome.status === 200) return 'completed';
  if (outcome.status === 'refused') return 'refused';
  const service = (outcome.body as { service?: unknown } | undefined)?.service;
  if (outcome.status === 503 && outcome.retryAfter !== null && outcome.problem === 'service-unavailable' && service === stopped) return 'refused';
  return 'failed';
}

/** The service name a problem names: classifier-1 is a replica of `classifier`. */
function serviceOf(process: ServiceProcess): string {
  // Drops a trailing replica number ("-1").
  return process.name.replace(/-\d+$/, '');
}

interface PhaseReport {
  service: string;
  requests: number;
  completed: number;
  refused: number;
  failed: number;
  /** Requests sent between SIGTERM and exit. */
  duringDrain: number;
  /** Requests sent before SIGTERM and answered after it: the ones the drain had to finish. */
  inFlightAtTerm: number;
  drainMs: number;
  exitCode: number | null;
  readyzDuringDrain: Record<string, number>;
  /** /readyz answers from SIGTERM to exit, in order (a refused connection is not ready too). */
  readyzSequence: (number | string)[];
  /** From the restart to /readyz 200, and to requests completing again. */
  restartMs: number;
  servingAgainMs: number;
  outcomes: Record<string, number>;
  slowestRefusalMs: number;
}

describe('graceful shutdown of every service under load', () => {
  const logs = new LogTap();
  let stack: Stack;
  let photo: Uint8Array;
  let reference: Lesion[];
  const reports: PhaseReport[] = [];

  const analyse = () => postParts(stack.url, '/v1/analyses', [{ bytes: photo, type: 'image/jpeg' }], { timeoutMs: 20_000 });

  beforeAll(async () => {
    const synth = await makeWidefieldPhoto({ width: 800, height: 600, lesions: 8, seed: 41 });
    photo = synth.image;
    stack = await startTestStack({ classifierReplicas: 2, logs, env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    const first = await analyse();
    expect(first.status).toBe(200);
    reference = (first.body as { lesions: Lesion[] }).lesions;
    expect(reference.length).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    if (reports.length > 0) {
      const table = markdownTable(
        ['service stopped (SIGTERM)', 'requests', 'completed (200)', 'refused (503 + Retry-After / no connection)', 'lost', 'in flight at SIGTERM', 'sent during drain', 'drain ms', 'exit code', '/readyz during drain', 'restart to ready, ms', 'restart to 200s again, ms'],
        reports.map((report) => [
          report.service,
          report.requests,
          report.completed,
          report.refused,
          report.failed,
          report.inFlightAtTerm,
          report.duringDrain,
          report.drainMs,
          report.exitCode ?? 'killed',
          Object.entries(report.readyzDuringDrain).map(([status, count]) => `${status}: ${count}`).join(', ') || 'none polled',
          report.restartMs,
          report.servingAgainMs,
        ]),
      );
      const file = writeReport('reliability-shutdown', `# Graceful shutdown under load (${CLIENTS} clients, grace ${GRACE_MS} ms)\n\n${table}\n`, reports);
      console.log(`${table}\n(written to ${file})`);
    }
    await stack?.stop();
  }, 60_000);

  /** SIGTERM to one service in the middle of a load run, then a restart on the same port. */
  async function stopUnderLoad(service: ServiceProcess): Promise<{ report: PhaseReport; samples: Sample[] }> {
    const load = new LoadRun({
      clients: CLIENTS,
      requests: 1_000,
      maxMs: 45_000,
      send: analyse,
      // A refused client tries again after 50 ms (sooner than Retry-After asks, to keep probing),
      // not in a tight loop that would starve the restarting service of CPU.
      pauseAfter: (outcome) => (outcome.status === 200 ? 0 : 50),
    });
    try {
      return await faultAndRestart(service, load);
    } catch (error) {
      // A failed phase must not leave its clients loading the next one.
      await load.stop();
      throw error;
    }
  }

  async function faultAndRestart(service: ServiceProcess, load: LoadRun): Promise<{ report: PhaseReport; samples: Sample[] }> {
    await load.answered(PHASE_ANSWERS);

    const termAt = performance.now();
    service.signal('SIGTERM');
    const readyz: Outcome['status'][] = [];
    let exitAt = 0;
    const exited = service.whenExited().then((code) => {
      exitAt = performance.now();
      return code;
    });
    // /readyz as a load balancer would poll it (every 20 ms here), until the process is gone.
    const polling = (async () => {
      while (exitAt === 0) {
        readyz.push(await probe(`${stack.url}/readyz`, 2_000));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const timeout = setTimeout(() => service.signal('SIGKILL'), GRACE_MS + 5_000);
    const exitCode = await exited;
    clearTimeout(timeout);
    await polling;

    await load.answeredMore(PHASE_ANSWERS);
    const restartAt = performance.now();
    await service.restart();
    await eventually(async () => (await send(`${stack.url}/readyz`, { timeoutMs: 2_000 })).status === 200, 30_000, `${service.name} ready again`);
    const readyAt = performance.now();
    // Back when requests succeed again: the gateway's own channel may reconnect later than the
    // one its readiness check uses (each waits out its own reconnect backoff).
    await eventually(() => load.samples.some((sample) => sample.sentAt >= readyAt && sample.outcome.status === 200), 30_000, `answers after ${service.name} restarted`);
    const backAt = performance.now();
    await load.answeredMore(PHASE_ANSWERS);
    const samples = await load.stop();

    const verdicts = samples.map((sample) => verdict(sample.outcome, serviceOf(service)));
    const refusals = samples.filter((sample) => verdict(sample.outcome, serviceOf(service)) === 'refused');
    return {
      samples,
      report: {
        service: service.name,
        requests: samples.length,
        completed: verdicts.filter((v) => v === 'completed').length,
        refused: verdicts.filter((v) => v === 'refused').length,
        failed: verdicts.filter((v) => v === 'failed').length,
        duringDrain: samples.filter((sample) => sample.sentAt >= termAt && sample.sentAt < exitAt).length,
        inFlightAtTerm: samples.filter((sample) => sample.sentAt < termAt && sample.answeredAt > termAt).length,
        drainMs: Math.round(exitAt - termAt),
        exitCode,
        readyzDuringDrain: countBy(readyz, (status) => String(status)),
        readyzSequence: readyz,
        restartMs: Math.round(readyAt - restartAt),
        servingAgainMs: Math.round(backAt - restartAt),
        outcomes: countBy(samples, (sample) => outcomeLabel(sample.outcome)),
        slowestRefusalMs: Math.round(Math.max(0, ...refusals.map((sample) => sample.outcome.ms))),
      },
    };
  }

  function expectClean({ report, samples }: { report: PhaseReport; samples: Sample[] }, service: ServiceProcess): void {
    const serviceName = service.name;
    const lost = samples.filter((sample) => verdict(sample.outcome, serviceOf(service)) === 'failed');
    expect(lost.map((sample) => `#${sample.index}: ${outcomeLabel(sample.outcome)} ${sample.outcome.error ?? ''} after ${Math.round(sample.outcome.ms)} ms`)).toEqual([]);
    // Every full answer is the right one: the same lesions and classes as before the fault.
    for (const sample of samples.filter((candidate) => candidate.outcome.status === 200)) {
      const lesions = (sample.outcome.body as { lesions: Lesion[] }).lesions;
      expect(lesions.map((lesion) => [lesion.x, lesion.y, lesion.class])).toEqual(reference.map((lesion) => [lesion.x, lesion.y, lesion.class]));
    }
    // SIGTERM came in the middle of the load: the gateway had requests in flight.
    expect(report.inFlightAtTerm).toBeGreaterThan(0);
    expect(report.exitCode, `${serviceName} exit code`).toBe(0);
    expect(report.drainMs).toBeLessThan(GRACE_MS);
    expect(logs.find(serviceName, /drain deadline passed/)).toEqual([]);
    expect(report.slowestRefusalMs).toBeLessThan(REFUSAL_MS);
    // Not ready during the drain: once /readyz stopped answering 200 it never did again until the
    // exit. (The first poll may still see 200: it can reach the service before the signal does.)
    const firstNotReady = report.readyzSequence.findIndex((status) => status !== 200);
    expect(firstNotReady, `/readyz during the drain: ${report.readyzSequence.join(', ')}`).toBeGreaterThanOrEqual(0);
    expect(report.readyzSequence.slice(firstNotReady)).not.toContain(200);
    expect(deadProcesses(stack)).toEqual([]);
  }

  it('gateway: in-flight requests finish, new connections are refused, then it comes back', async () => {
    const result = await stopUnderLoad(stack.gateway);
    reports.push(result.report);
    expectClean(result, stack.gateway);
  }, 60_000);

  it('tiler: in-flight tiling finishes; while it is down requests fail fast with 503', async () => {
    const result = await stopUnderLoad(stack.tiler);
    reports.push(result.report);
    expectClean(result, stack.tiler);
  }, 60_000);

  it('classifier replica: the other replica keeps serving, nothing is refused', async () => {
    const result = await stopUnderLoad(stack.classifiers[0]);
    reports.push(result.report);
    expectClean(result, stack.classifiers[0]);
    expect(result.report.refused).toBe(0);
  }, 60_000);

  it('ugly-duckling: in-flight scoring finishes; while it is down requests fail fast with 503', async () => {
    const result = await stopUnderLoad(stack.uglyDuckling);
    reports.push(result.report);
    expectClean(result, stack.uglyDuckling);
  }, 60_000);
});
