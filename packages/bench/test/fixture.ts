import { summarize } from '../src/stats.js';
import type { BenchResults } from '../src/types.js';

const split = (meanBatch: number) => ({ queueMsPerCrop: 1.5, computeMsPerBatch: 3 * meanBatch, computeMsPerCrop: 3, meanBatch, handlingMsPerCall: 6, crops: 1000, rejected: 0 });
const latency = (base: number) => summarize(Array.from({ length: 100 }, (_, i) => base + i));

/** A small, fixed run: every experiment present, figures chosen so that each target's verdict is known. */
export function fixtureResults(): BenchResults {
  return {
    schema: 1,
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:13:05.000Z',
    durationSeconds: 540,
    quick: false,
    experiments: ['raw', 'grpc', 'e2e', 'scaleout', 'overload', 'blobs'],
    machine: { cores: 2, cpuModel: 'Test CPU <fast> & cheap', memoryGiB: 8, node: 'v20.0.0', platform: 'Linux test x64', loadAverageBefore: [0.2, 0.3, 0.4], loadAverageAfter: [1.5, 1, 0.6] },
    model: { name: 'skinlesion-default', version: '1', inputSize: 128, onnxManifestPatched: true },
    environment: {},
    raw: {
      threads: 1,
      seconds: 5,
      rows: [
        { runtime: 'tfjs', backend: 'wasm', batch: 1, cropsPerSecond: 30, batchMs: 33.3, crops: 150, seconds: 5, otherCores: 0 },
        { runtime: 'tfjs', backend: 'wasm', batch: 32, cropsPerSecond: 60, batchMs: 533, crops: 320, seconds: 5.3, otherCores: 0 },
        { runtime: 'onnxruntime', backend: 'cpu', batch: 1, cropsPerSecond: 400, batchMs: 2.5, crops: 2000, seconds: 5, otherCores: 0 },
        { runtime: 'onnxruntime', backend: 'cpu', batch: 32, cropsPerSecond: 240, batchMs: 133, crops: 1216, seconds: 5.1, otherCores: 0 },
      ],
    },
    grpc: {
      runtime: 'onnxruntime',
      cropsPerRequest: 1,
      warmUpSeconds: 1.5,
      seconds: 5,
      modes: [
        { id: 'on', label: 'batching on (max batch 32, delay 1 ms)', maxBatch: 32, maxQueueDelayMs: 1 },
        { id: 'off', label: 'batching off (CLASSIFIER_MAX_BATCH=1)', maxBatch: 1, maxQueueDelayMs: 0 },
      ],
      rows: [1, 16].flatMap((concurrency) =>
        ['on', 'off'].map((mode) => ({
          mode,
          concurrency,
          cropsPerSecond: mode === 'on' ? 100 * Math.log2(concurrency * 2) : 150,
          latencyMs: latency(concurrency * 5),
          server: split(mode === 'on' ? concurrency / 2 : 1),
          serverCores: 1,
          clientCores: 0.3,
          otherCores: 0.05,
          errors: {},
          seconds: 5,
        })),
      ),
    },
    e2e: {
      photo: { width: 4000, height: 3000, lesions: 100, seed: 1, bytes: 1_200_000, candidates: 98 },
      warmUpSeconds: 3,
      seconds: 12,
      rows: [1, 2].flatMap((replicas) =>
        [1, 2].map((concurrency) => ({
          replicas,
          concurrency,
          requestsPerSecond: concurrency * 0.9,
          latencyMs: latency(900),
          server: split(25),
          statuses: (concurrency === 2 ? { '200': 10, '503': 1 } : { '200': 10 }) as Record<string, number>,
          seconds: 12,
          cores: { gateway: 0.1, tiler: 0.8, classifier: 0.3, 'ugly-duckling': 0.02 },
          otherCores: 0,
        })),
      ),
      idle: [{ replicas: 2, requests: 12, p50Ms: 950, stagesMedianMs: { tile: 600, classify: 250, uglyDuckling: 30, total: 940, 'tiler.detect': 200 }, otherCores: 0 }],
    },
    scaleout: {
      patch: { width: 256, height: 256, bytes: 7500 },
      replicaCounts: [1, 2],
      seed: [
        { replicas: 1, clients: 16, requestsPerClient: 10, totalSeconds: [1.0, 1.1, 0.9], medianTotalSeconds: 1.0, requestsPerSecond: 160, latencyMs: latency(80), statuses: { '200': 480 }, otherCores: 0 },
        { replicas: 2, clients: 16, requestsPerClient: 10, totalSeconds: [0.8, 0.8, 0.9], medianTotalSeconds: 0.8, requestsPerSecond: 200, latencyMs: latency(60), statuses: { '200': 480 }, otherCores: 0 },
      ],
      sustained: [
        {
          replicas: 2,
          concurrency: 16,
          requestsPerSecond: 200,
          latencyMs: latency(70),
          seconds: 8,
          statuses: { '200': 1600 },
          cpuSecondsPerRequest: { gateway: 0.002, tiler: 0.002, classifier: 0.004, 'ugly-duckling': 0, client: 0.002 },
          cores: { gateway: 0.4, tiler: 0.4, classifier: 0.8, 'ugly-duckling': 0, client: 0.4 },
          otherCores: 0.02,
          server: split(4),
        },
      ],
      grpc: [
        { replicas: 1, concurrency: 16, cropsPerSecond: 300, latencyMs: latency(50), server: split(6), cpuSecondsPerCrop: 0.003, serverCores: 0.95, clientCores: 0.4, otherCores: 0, errors: {} },
        { replicas: 2, concurrency: 16, cropsPerSecond: 450, latencyMs: latency(35), server: split(3), cpuSecondsPerCrop: 0.0032, serverCores: 1.45, clientCores: 0.5, otherCores: 0.3, errors: {} },
      ],
      projection: {
        assumptions: ['one core per replica'],
        demands: { classifierPerCrop: 0.0032, gatewayPerRequest: 0.002, tilerPerRequest: 0.002, classifierPerRequest: 0.004 },
        rows: [
          { replicas: 1, grpcCropsPerSecond: 312.5, restRequestsPerSecond: 250, restBottleneck: 'classifier', measuredGrpcCropsPerSecond: 300, measuredRestRequestsPerSecond: 180 },
          { replicas: 2, grpcCropsPerSecond: 625, restRequestsPerSecond: 500, restBottleneck: 'classifier', measuredGrpcCropsPerSecond: 450, measuredRestRequestsPerSecond: 200 },
          { replicas: 4, grpcCropsPerSecond: 1250, restRequestsPerSecond: 500, restBottleneck: 'gateway' },
        ],
      },
    },
    overload: {
      route: '/v1/classify',
      replicas: 2,
      saturation: { concurrency: 32, requestsPerSecond: 200, latencyMs: latency(150) },
      unloaded: { latencyMs: summarize([8, 9, 10, 11, 12]) },
      admission: { maxInFlight: 3, maxQueued: 3, maxQueueWaitMs: 12 },
      offeredRate: 400,
      seconds: 20,
      offered: 8000,
      sent: 8000,
      notSent: 0,
      statuses: { '200': 4000, '503': 4000 },
      acceptedRate: 195,
      acceptedOverallRate: 190,
      lastAnswerSeconds: 21,
      acceptedPerSecond: [190, 200, 195],
      acceptedLatencyMs: summarize([20, 25, 30, 35, 40]),
      rejectedLatencyMs: summarize([2, 3]),
      rejectedShare: 0.5,
      abortedAtDrain: 0,
      clientCores: 0.5,
      otherCores: 0,
      peakRssBytes: { gateway: 200 * 2 ** 20, tiler: 1.8 * 2 ** 30, 'classifier-1': 300 * 2 ** 20 },
      classifierRejected: 4100,
    },
    blobs: {
      width: 4000,
      height: 3000,
      repeats: 3,
      opencvVersion: '4.6.0',
      opencvMs: 600,
      oursMs: 250,
      opencvRunsMs: [590, 600, 610],
      oursRunsMs: [240, 250, 260],
      opencvKeypoints: 100,
      ourBlobs: 100,
      matched: 100,
      recall: 1,
      precision: 1,
    },
    notes: ['a note with a | pipe'],
  };
}
