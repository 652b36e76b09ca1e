import path from 'node:path';
import type { ServiceProcess } from '@skinlesion/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmedByServers, grpcWindow } from '../src/experiments/grpc-window.js';
import { findOnPath, h2loadClientMaker, parseH2loadLog, windowOf, type H2loadClient } from '../src/h2load.js';
import { DEFAULT_MODEL_DIR } from '../src/model-dir.js';
import type { ServerSplit } from '../src/prometheus.js';
import { startClassifiers } from '../src/services.js';

const split = (calls: number, failedCalls: number): ServerSplit => ({
  queueMsPerCrop: 1,
  computeMsPerBatch: 3,
  computeMsPerCrop: 1,
  meanBatch: 3,
  handlingMsPerCall: 4,
  crops: calls,
  rejected: 0,
  calls,
  failedCalls,
});

describe('h2load output', () => {
  it('reads the per-request log and keeps the requests that finished inside the window', () => {
    const log = ['1000000\t200\t5000', '1002000\t200\t3000', '1004000\t503\t1000', '1009000\t200\t2000', 'garbage', ''].join('\n');
    const requests = parseH2loadLog(log);
    expect(requests).toHaveLength(4);
    // Window [1_004_000, 1_010_000) µs: the first finished at 1_005_000, the second at 1_005_000, the 503 at 1_005_000, the last at 1_011_000.
    expect(windowOf(requests, 1_004_000, 1_010_000)).toEqual({ latenciesMs: [5, 3], errors: { 'HTTP 503': 1 } });
    expect(windowOf(requests, 1_011_000, 1_012_000).latenciesMs).toEqual([2]);
  });

  it('finds an executable on PATH, and nothing where it is not', () => {
    expect(findOnPath('node', path.dirname(process.execPath))).toBe(process.execPath);
    expect(findOnPath('no-such-tool-here', `${path.dirname(process.execPath)}${path.delimiter}`)).toBeUndefined();
  });

  it('counts only the calls the servers answered OK, beyond the calls in flight at the edges', () => {
    const load = { latenciesMs: Array.from({ length: 500 }, () => 10), errors: {}, seconds: 1, clientCpuSeconds: 0.01 };
    // In flight at the edges and the scrapes' lag: 16 + 5 % of 500 answers.
    expect(confirmedByServers(load, split(460, 0), 16)).toEqual({ answered: 500, errors: {} });
    expect(confirmedByServers(load, split(500, 100), 16)).toEqual({ answered: 400, errors: { "not OK (the servers' count)": 100, 'answered but not counted OK by the servers': 100 } });
    expect(confirmedByServers(load, split(0, 0), 16)).toEqual({ answered: 0, errors: { 'answered but not counted OK by the servers': 500 } });
  });
});

const h2load = findOnPath('h2load');

describe.skipIf(h2load === undefined)('h2load against a real classifier', () => {
  let classifiers: ServiceProcess[] = [];
  const clients = h2loadClientMaker(128);
  let client: H2loadClient;

  beforeAll(async () => {
    classifiers = await startClassifiers(1, DEFAULT_MODEL_DIR);
    client = (await clients.client())!;
  });

  afterAll(async () => {
    await Promise.all(classifiers.map((classifier) => classifier.stop()));
    await clients.release();
  });

  const window = (h2loadClient: H2loadClient) =>
    grpcWindow(classifiers, classifiers, { concurrency: 4, inputSize: 128, warmUpSeconds: 0.5, seconds: 1, maxCalls: 1_000_000, h2load: h2loadClient });

  it('measures a closed-loop window whose answers the classifier confirms', async () => {
    // One request, made once, for every window of a run.
    expect(await clients.client()).toBe(client);
    const result = await window(client);
    expect(result.errors).toEqual({});
    expect(result.cropsPerSecond).toBeGreaterThan(5);
    expect(result.latencyMs.n).toBe(Math.round(result.cropsPerSecond * result.seconds));
    // The classifier's own count of calls in the window agrees with h2load's answers.
    expect(Math.abs(result.server.calls - result.latencyMs.n)).toBeLessThanOrEqual(4 + Math.ceil(0.05 * result.latencyMs.n));
    expect(result.clientCores).toBeGreaterThan(0);
  });

  it('does not count as served the calls gRPC failed, which h2load sees as HTTP 200', async () => {
    const result = await window({ ...client, path: '/inference.GRPCInferenceService/NoSuchMethod' });
    expect(result.errors['answered but not counted OK by the servers']).toBeGreaterThan(4);
    expect(result.cropsPerSecond).toBe(0);
  });
});
