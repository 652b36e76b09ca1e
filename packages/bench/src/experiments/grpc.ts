import type { ServiceProcess } from '@skinlesion/stack';
import { measureRawRuntime } from '../classifier-tools.js';
import type { BenchContext } from '../context.js';
import { GRPC_MODES, type BenchPlan } from '../plan.js';
import { roundOrder } from '../scale-rounds.js';
import { startClassifiers } from '../services.js';
import { fastest } from '../stats.js';
import type { EfficiencyPair, GrpcExperiment, GrpcMode, GrpcRow } from '../types.js';
import { grpcWindow, type GrpcWindowResult } from './grpc-window.js';

const START_SECONDS = 2;
/** Spawning the load tool and loading its protos, per window. */
const TOOL_SECONDS = 0.6;

/** The serving-efficiency target's concurrency. */
const EFFICIENCY_CONCURRENCY = 16;
/** The two sides of an efficiency pair, in the order of odd pairs. */
const PAIR_SIDES = ['raw', 'served'] as const;
/** Loading the model in the raw tool, per round. */
const RAW_START_SECONDS = 2;

export function estimateGrpc(plan: BenchPlan): number {
  const { modes, concurrencies, warmUpSeconds, seconds } = plan.grpc;
  return modes.length * (START_SECONDS + concurrencies.length * (warmUpSeconds + seconds + TOOL_SECONDS)) + START_SECONDS + selectionSeconds(plan) + plan.grpc.efficiencyPairs * pairSeconds(plan);
}

function pairSeconds(plan: BenchPlan): number {
  const { warmUpSeconds, pairSeconds: seconds } = plan.grpc;
  return RAW_START_SECONDS + seconds + warmUpSeconds + seconds + TOOL_SECONDS;
}

/** The round that picks the raw batch size for the pairs: every batch size of experiment 1. */
function selectionSeconds(plan: BenchPlan): number {
  return RAW_START_SECONDS + plan.raw.batches.length * plan.grpc.pairSeconds;
}

function classifierEnv(mode: GrpcMode): Record<string, string> {
  return { CLASSIFIER_MAX_BATCH: String(mode.maxBatch), CLASSIFIER_MAX_QUEUE_DELAY_MS: String(mode.maxQueueDelayMs) };
}

/**
 * Experiment 2: one classifier process (ONNX Runtime, one inference thread) over gRPC, a closed
 * loop of batch-1 ModelInfer calls at each concurrency, per batching mode.
 */
export async function runGrpc(context: BenchContext): Promise<GrpcExperiment> {
  const client = await context.loadClient();
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
}

/**
 * The serving-efficiency ratio measured in pairs: the raw limit and the shipped mode at
 * concurrency 16, seconds apart, round after round. On a shared host the speed of a core drifts
 * by 20-30 % over minutes (and swings between two levels within seconds), and experiments 1 and 2
 * are minutes apart; the median of the pairs' ratios follows the serving cost rather than the
 * drift. The raw batch size is picked once, by a round of its own over every batch size of
 * experiment 1, and each pair measures only that one: keeping the best of several noisy figures
 * in every pair would bias the raw side upwards. The order within a pair alternates, so that a
 * drift during the pairs weighs on both sides alike. The classifier stays up between rounds, idle
 * while the raw tool runs.
 */
async function efficiencyPairs(context: BenchContext, window: (classifier: ServiceProcess, concurrency: number, seconds: number) => Promise<GrpcWindowResult>): Promise<EfficiencyPair[]> {
  const { plan, progress, model } = context;
  const { efficiencyPairs: rounds, pairSeconds: seconds } = plan.grpc;
  const shipped = GRPC_MODES[0]!;
  progress.begin(`2 gRPC: starting a classifier for the efficiency pairs, ${shipped.label}`, START_SECONDS);
  const [classifier] = await startClassifiers(1, model.dir, classifierEnv(shipped));
  try {
    progress.begin(`2 gRPC: efficiency pairs, picking the raw batch size among ${plan.raw.batches.join(', ')}`, selectionSeconds(plan));
    const selection = await measureRawRuntime({ modelDir: model.dir, runtime: 'onnx', batches: plan.raw.batches, seconds });
    const rawBatch = fastest(selection.rows)!.batch;
    const raw = async () => (await measureRawRuntime({ modelDir: model.dir, runtime: 'onnx', batches: [rawBatch], seconds })).rows[0]!.cropsPerSecond;
    const served = async () => (await window(classifier, EFFICIENCY_CONCURRENCY, seconds)).cropsPerSecond;
    const pairs: EfficiencyPair[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const order = roundOrder(PAIR_SIDES, round);
      progress.begin(`2 gRPC: efficiency pair ${round}/${rounds}, ${order.join(' then ')}`, pairSeconds(plan));
      const measured = { raw: Number.NaN, served: Number.NaN };
      for (const side of order) measured[side] = side === 'raw' ? await raw() : await served();
      pairs.push({ rawCropsPerSecond: measured.raw, rawBatch, servedCropsPerSecond: measured.served, first: order[0]!, seconds });
    }
    return pairs;
  } finally {
    await classifier.stop();
  }
}
