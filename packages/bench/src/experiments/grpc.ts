import type { ServiceProcess } from '@skinlesion/stack';
import { measureRawRuntime } from '../classifier-tools.js';
import type { BenchContext } from '../context.js';
import { GRPC_MODES, type BenchPlan } from '../plan.js';
import { startClassifiers } from '../services.js';
import { fastest } from '../stats.js';
import type { EfficiencyPair, GrpcExperiment, GrpcMode, GrpcRow } from '../types.js';
import { grpcWindow, withLoadClient, type GrpcWindowResult } from './grpc-window.js';

const START_SECONDS = 2;
/** Spawning the load tool and loading its protos, per window. */
const TOOL_SECONDS = 0.6;

/** The serving-efficiency target's concurrency. */
const EFFICIENCY_CONCURRENCY = 16;
/** Loading the model in the raw tool, per round. */
const RAW_START_SECONDS = 2;

export function estimateGrpc(plan: BenchPlan): number {
  const { modes, concurrencies, warmUpSeconds, seconds } = plan.grpc;
  return modes.length * (START_SECONDS + concurrencies.length * (warmUpSeconds + seconds + TOOL_SECONDS)) + START_SECONDS + plan.grpc.efficiencyPairs * pairSeconds(plan);
}

function pairSeconds(plan: BenchPlan): number {
  const { warmUpSeconds, pairSeconds: seconds } = plan.grpc;
  return RAW_START_SECONDS + plan.raw.batches.length * seconds + warmUpSeconds + seconds + TOOL_SECONDS;
}

function classifierEnv(mode: GrpcMode): Record<string, string> {
  return { CLASSIFIER_MAX_BATCH: String(mode.maxBatch), CLASSIFIER_MAX_QUEUE_DELAY_MS: String(mode.maxQueueDelayMs) };
}

/**
 * Experiment 2: one classifier process (ONNX Runtime, one inference thread) over gRPC, a closed
 * loop of batch-1 ModelInfer calls at each concurrency, per batching mode.
 */
export async function runGrpc(context: BenchContext): Promise<GrpcExperiment> {
  return withLoadClient(context.model.inputSize, async (client) => {
    const { plan, progress, model } = context;
    const { modes, concurrencies, warmUpSeconds, seconds, maxCalls } = plan.grpc;
    const window = (classifier: ServiceProcess, concurrency: number, windowSeconds: number) =>
      grpcWindow([classifier], [classifier], { concurrency, inputSize: model.inputSize, warmUpSeconds, seconds: windowSeconds, maxCalls, ...(client === undefined ? {} : { h2load: client }) });
    const rows: GrpcRow[] = [];
    for (const mode of modes) {
      progress.begin(`2 gRPC: starting a classifier, ${mode.label}`, START_SECONDS);
      const [classifier] = await startClassifiers(1, model.dir, classifierEnv(mode));
      try {
        for (const concurrency of concurrencies) {
          progress.begin(`2 gRPC: ${mode.id}, concurrency ${concurrency}`, warmUpSeconds + seconds + TOOL_SECONDS);
          const result = await context.quiet.measure(`2 gRPC ${mode.id} concurrency ${concurrency}`, () => window(classifier, concurrency, seconds), (measured) => measured.otherCores);
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
    return {
      runtime: 'onnxruntime',
      cropsPerRequest: 1,
      warmUpSeconds,
      seconds,
      modes: [...modes],
      rows,
      efficiencyPairs: await efficiencyPairs(context, window),
      client: client === undefined ? 'node' : 'h2load',
    };
  });
}

/**
 * The serving-efficiency ratio measured in pairs: the raw limit (every batch size of experiment
 * 1, the best one kept), then at once the shipped mode at concurrency 16, round after round. On a
 * shared host the speed of a core drifts by 20-30 % over minutes, and experiments 1 and 2 are
 * minutes apart; a pair is seconds apart, and the median of the pairs' ratios follows the serving
 * cost rather than the drift. The classifier stays up between rounds, idle while the raw tool runs.
 */
async function efficiencyPairs(context: BenchContext, window: (classifier: ServiceProcess, concurrency: number, seconds: number) => Promise<GrpcWindowResult>): Promise<EfficiencyPair[]> {
  const { plan, progress, model } = context;
  const { efficiencyPairs: rounds, pairSeconds: seconds } = plan.grpc;
  const shipped = GRPC_MODES[0]!;
  progress.begin(`2 gRPC: starting a classifier for the efficiency pairs, ${shipped.label}`, START_SECONDS);
  const [classifier] = await startClassifiers(1, model.dir, classifierEnv(shipped));
  try {
    const pairs: EfficiencyPair[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      progress.begin(`2 gRPC: efficiency pair ${round}/${rounds}, raw limit then concurrency ${EFFICIENCY_CONCURRENCY}`, pairSeconds(plan));
      const raw = await measureRawRuntime({ modelDir: model.dir, runtime: 'onnx', batches: plan.raw.batches, seconds });
      const best = fastest(raw.rows)!;
      const served = await window(classifier, EFFICIENCY_CONCURRENCY, seconds);
      pairs.push({ rawCropsPerSecond: best.cropsPerSecond, rawBatch: best.batch, servedCropsPerSecond: served.cropsPerSecond, seconds });
    }
    return pairs;
  } finally {
    await classifier.stop();
  }
}
