import type { ServiceProcess } from '@skinlesion/stack';
import { loadClassifiers, type GrpcLoadMeasurement } from '../classifier-tools.js';
import { loadWithH2load, type H2loadClient } from '../h2load.js';
import type { ServerSplit } from '../prometheus.js';
import { grpcTarget } from '../services.js';
import { summarize, type LatencySummary } from '../stats.js';
import { otherCores, ServiceWindow, type WindowFigures } from '../window.js';

export interface GrpcWindowResult {
  readonly cropsPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly server: ServerSplit;
  readonly serverCores: number;
  readonly clientCores: number;
  /** Cores used by processes that are not part of the benchmark. */
  readonly otherCores: number;
  /** Classifier CPU seconds per crop served. */
  readonly cpuSecondsPerCrop: number;
  readonly errors: Record<string, number>;
  readonly seconds: number;
}

/**
 * One closed-loop window of batch-1 ModelInfer calls spread over `targets`, with the server side
 * (queue and compute split, CPU) read from every classifier at the window's edges. The calls come
 * from the classifier's Node load tool, or from h2load when given; h2load cannot see gRPC
 * statuses, so calls the servers answered other than OK count as errors then.
 */
export async function grpcWindow(
  classifiers: readonly ServiceProcess[],
  targets: readonly ServiceProcess[],
  options: { concurrency: number; inputSize: number; warmUpSeconds: number; seconds: number; maxCalls: number; h2load?: H2loadClient },
): Promise<GrpcWindowResult> {
  const window = new ServiceWindow(classifiers, classifiers);
  let figures: WindowFigures | undefined;
  const edges = {
    onWindowStart: () => window.start(),
    onWindowEnd: async () => {
      figures = await window.end();
    },
  };
  const { concurrency, warmUpSeconds, seconds } = options;
  const load: GrpcLoadMeasurement =
    options.h2load === undefined
      ? await loadClassifiers({ targets: targets.map(grpcTarget), inputSize: options.inputSize, concurrency, cropsPerRequest: 1, warmUpSeconds, seconds, maxCalls: options.maxCalls, ...edges })
      : await loadWithH2load({ ...options.h2load, targets: targets.map(grpcTarget), concurrency, warmUpSeconds, seconds, ...edges });
  if (figures === undefined) throw new Error('the gRPC window never closed');
  const { answered, errors } = options.h2load === undefined ? { answered: load.latenciesMs.length, errors: load.errors } : confirmedByServers(load, figures.split, concurrency);
  const serverCpu = figures.cpuSeconds['classifier'] ?? Number.NaN;
  return {
    cropsPerSecond: answered / load.seconds,
    latencyMs: summarize(load.latenciesMs),
    server: figures.split,
    serverCores: serverCpu / figures.seconds,
    clientCores: load.clientCpuSeconds / figures.seconds,
    otherCores: otherCores(figures, load.clientCpuSeconds),
    cpuSecondsPerCrop: figures.split.crops > 0 ? serverCpu / figures.split.crops : Number.NaN,
    errors,
    seconds: load.seconds,
  };
}

/**
 * h2load takes any HTTP 200 answer for a success, a failed gRPC call too (its status travels in
 * the trailers). Its answers must match the calls the servers answered OK in the same window, up
 * to the calls in flight at the window's edges and the scrapes' lag (`concurrency` plus 5 %);
 * beyond that the servers' count is taken, and the difference shown as errors.
 */
export function confirmedByServers(load: GrpcLoadMeasurement, split: ServerSplit, concurrency: number): { answered: number; errors: Record<string, number> } {
  const errors = { ...load.errors };
  const answers = load.latenciesMs.length;
  const serverOk = split.calls - split.failedCalls;
  if (split.failedCalls > 0) errors["not OK (the servers' count)"] = split.failedCalls;
  const unconfirmed = answers - serverOk;
  if (unconfirmed <= concurrency + Math.ceil(0.05 * answers)) return { answered: answers, errors };
  errors['answered but not counted OK by the servers'] = unconfirmed;
  return { answered: Math.max(0, serverOk), errors };
}
