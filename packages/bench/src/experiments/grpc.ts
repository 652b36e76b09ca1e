import type { BenchContext } from '../context.js';
import type { BenchPlan } from '../plan.js';
import { startClassifiers } from '../services.js';
import type { GrpcExperiment, GrpcRow } from '../types.js';
import { grpcWindow } from './grpc-window.js';

const START_SECONDS = 2;
/** Spawning the load tool and loading its protos, per window. */
const TOOL_SECONDS = 0.6;

export function estimateGrpc(plan: BenchPlan): number {
  const { modes, concurrencies, warmUpSeconds, seconds } = plan.grpc;
  return modes.length * (START_SECONDS + concurrencies.length * (warmUpSeconds + seconds + TOOL_SECONDS));
}

/**
 * Experiment 2: one classifier process (ONNX Runtime, one inference thread) over gRPC, a closed
 * loop of batch-1 ModelInfer calls at each concurrency, per batching mode.
 */
export async function runGrpc(context: BenchContext): Promise<GrpcExperiment> {
  const { plan, progress, model } = context;
  const { modes, concurrencies, warmUpSeconds, seconds, maxCalls } = plan.grpc;
  const rows: GrpcRow[] = [];
  for (const mode of modes) {
    progress.begin(`2 gRPC: starting a classifier, ${mode.label}`, START_SECONDS);
    const [classifier] = await startClassifiers(1, model.dir, { CLASSIFIER_MAX_BATCH: String(mode.maxBatch), CLASSIFIER_MAX_QUEUE_DELAY_MS: String(mode.maxQueueDelayMs) });
    try {
      for (const concurrency of concurrencies) {
        progress.begin(`2 gRPC: ${mode.id}, concurrency ${concurrency}`, warmUpSeconds + seconds + TOOL_SECONDS);
        const result = await context.quiet.measure(
          `2 gRPC ${mode.id} concurrency ${concurrency}`,
          () => grpcWindow([classifier], [classifier], { concurrency, inputSize: model.inputSize, warmUpSeconds, seconds, maxCalls }),
          (window) => window.otherCores,
        );
        rows.push({
          mode: mode.id,
          concurrency,
          cropsPerSecond: result.cropsPerSecond,
          latencyMs: result.latencyMs,
          server: result.server,
          serverCores: result.serverCores,
          clientCores: result.clientCores,
          otherCores: result.otherCores,
          errors: result.errors,
          seconds: result.seconds,
        });
      }
    } finally {
      await classifier.stop();
    }
  }
  return { runtime: 'onnxruntime', cropsPerRequest: 1, warmUpSeconds, seconds, modes: [...modes], rows };
}
