import type { GrpcMode } from './types.js';

/** How long and how much each experiment runs: the full run, or --quick's smoke run. */
export interface BenchPlan {
  readonly quick: boolean;
  readonly raw: { readonly seconds: number; readonly batches: readonly number[] };
  readonly grpc: {
    readonly concurrencies: readonly number[];
    readonly modes: readonly GrpcMode[];
    readonly warmUpSeconds: number;
    readonly seconds: number;
    readonly maxCalls: number;
    /** Rounds of the raw limit and the shipped mode at concurrency 16, back to back, for the serving-efficiency ratio. */
    readonly efficiencyPairs: number;
    readonly pairSeconds: number;
  };
  readonly e2e: {
    readonly photo: { readonly width: number; readonly height: number; readonly lesions: number; readonly seed: number };
    readonly replicas: readonly number[];
    readonly concurrencies: readonly number[];
    readonly warmUpSeconds: number;
    readonly seconds: number;
    readonly maxRequests: number;
  };
  readonly scaleout: {
    readonly clients: number;
    readonly requestsPerClient: number;
    readonly repeats: number;
    readonly sustainedConcurrency: number;
    readonly sustainedWarmUpSeconds: number;
    readonly sustainedSeconds: number;
    readonly grpcConcurrency: number;
    readonly grpcWarmUpSeconds: number;
    readonly grpcSeconds: number;
    /** Rounds of the classifier tier (every replica count once per round), for the median 2-vs-1 ratio. */
    readonly grpcRounds: number;
    readonly projectTo: readonly number[];
  };
  readonly overload: {
    readonly replicas: number;
    readonly factor: number;
    readonly saturationConcurrency: number;
    readonly saturationSeconds: number;
    readonly unloadedSeconds: number;
    readonly seconds: number;
    readonly maxOutstanding: number;
    readonly drainSeconds: number;
  };
  readonly blobs: { readonly repeats: number; readonly timingRuns: number };
}

/** Batching as shipped, with larger batches that wait 1 ms for more, and off (max batch 1: every crop alone). */
export const GRPC_MODES: readonly GrpcMode[] = [
  { id: 'on', label: 'batching on as shipped (max batch 8, delay 0: what queued while busy)', maxBatch: 8, maxQueueDelayMs: 0 },
  { id: 'on-32', label: 'batching on, max batch 32, delay 1 ms (the earlier default)', maxBatch: 32, maxQueueDelayMs: 1 },
  { id: 'off', label: 'batching off (CLASSIFIER_MAX_BATCH=1)', maxBatch: 1, maxQueueDelayMs: 0 },
];

const PHOTO = { width: 4000, height: 3000, lesions: 100, seed: 1 } as const;

export function makePlan(quick: boolean): BenchPlan {
  return {
    quick,
    raw: { seconds: quick ? 1 : 5, batches: [1, 8, 32] },
    grpc: { concurrencies: [1, 2, 4, 8, 16, 32], modes: GRPC_MODES, warmUpSeconds: quick ? 0.5 : 1.5, seconds: quick ? 1 : 5, maxCalls: 500_000, efficiencyPairs: quick ? 1 : 8, pairSeconds: quick ? 1 : 3 },
    e2e: { photo: PHOTO, replicas: [1, 2], concurrencies: quick ? [1, 2] : [1, 2, 4, 8], warmUpSeconds: quick ? 1 : 3, seconds: quick ? 3 : 12, maxRequests: 2_000 },
    scaleout: {
      clients: 16,
      requestsPerClient: 10,
      repeats: quick ? 1 : 5,
      sustainedConcurrency: 16,
      sustainedWarmUpSeconds: quick ? 0.5 : 1.5,
      sustainedSeconds: quick ? 1.5 : 8,
      grpcConcurrency: 16,
      grpcWarmUpSeconds: quick ? 0.5 : 1.5,
      grpcSeconds: quick ? 1.5 : 5,
      grpcRounds: quick ? 1 : 5,
      projectTo: [1, 2, 4, 8, 16],
    },
    overload: {
      replicas: 2,
      factor: 2,
      saturationConcurrency: 32,
      saturationSeconds: quick ? 1.5 : 6,
      unloadedSeconds: quick ? 1.5 : 5,
      seconds: quick ? 3 : 20,
      maxOutstanding: 4_096,
      drainSeconds: quick ? 10 : 30,
    },
    blobs: { repeats: quick ? 1 : 3, timingRuns: quick ? 1 : 3 },
  };
}

/** Replica counts for the scale-out: 1, 2 and, when there are more cores, as many as there are (at most 8). */
export function replicaCounts(cores: number): number[] {
  return [...new Set([1, 2, Math.min(8, Math.max(2, cores))])];
}
