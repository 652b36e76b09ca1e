import type { ServiceProcess } from '@skinlesion/stack';
import { loadClassifiers } from '../classifier-tools.js';
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
 * (queue and compute split, CPU) read from every classifier at the window's edges.
 */
export async function grpcWindow(
  classifiers: readonly ServiceProcess[],
  targets: readonly ServiceProcess[],
  options: { concurrency: number; inputSize: number; warmUpSeconds: number; seconds: number; maxCalls: number },
): Promise<GrpcWindowResult> {
  const window = new ServiceWindow(classifiers, classifiers);
  let figures: WindowFigures | undefined;
  const load = await loadClassifiers({
    targets: targets.map(grpcTarget),
    inputSize: options.inputSize,
    concurrency: options.concurrency,
    cropsPerRequest: 1,
    warmUpSeconds: options.warmUpSeconds,
    seconds: options.seconds,
    maxCalls: options.maxCalls,
    onWindowStart: () => window.start(),
    onWindowEnd: async () => {
      figures = await window.end();
    },
  });
  if (figures === undefined) throw new Error('the gRPC window never closed');
  const serverCpu = figures.cpuSeconds['classifier'] ?? Number.NaN;
  const crops = load.latenciesMs.length;
  return {
    cropsPerSecond: crops / load.seconds,
    latencyMs: summarize(load.latenciesMs),
    server: figures.split,
    serverCores: serverCpu / figures.seconds,
    clientCores: load.clientCpuSeconds / figures.seconds,
    otherCores: otherCores(figures, load.clientCpuSeconds),
    cpuSecondsPerCrop: figures.split.crops > 0 ? serverCpu / figures.split.crops : Number.NaN,
    errors: load.errors,
    seconds: load.seconds,
  };
}
