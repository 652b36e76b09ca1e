import type { ServiceProcess } from '@skinlesion/stack';
import type { BenchContext } from '../context.js';
import type { H2loadClient } from '../h2load.js';
import { closedLoop, fixedCount, type HttpRequestSpec } from '../http-load.js';
import { replicaCounts, type BenchPlan } from '../plan.js';
import { project } from '../projection.js';
import { medianRound, roundOrder } from '../scale-rounds.js';
import { startBenchStack, startClassifiers } from '../services.js';
import { median, summarize } from '../stats.js';
import type { GrpcScaleRow, ScaleoutExperiment, SeedRun, SustainedRest } from '../types.js';
import { coresOf, otherCores, ServiceWindow, type WindowFigures } from '../window.js';
import { grpcWindow } from './grpc-window.js';

const START_SECONDS = 8;

/** One run of 16 x 10 small requests takes well under a couple of seconds on 2 cores. */
const SEED_RUN_SECONDS = 2;

export function estimateScaleout(plan: BenchPlan, cores: number): number {
  const s = plan.scaleout;
  const counts = replicaCounts(cores);
  const rest = counts.length * (START_SECONDS + (s.repeats + 1) * SEED_RUN_SECONDS + s.sustainedWarmUpSeconds + s.sustainedSeconds);
  const grpc = 3 + s.grpcRounds * counts.length * (s.grpcWarmUpSeconds + s.grpcSeconds + 0.6);
  return rest + grpc;
}

function classifyRequest(url: string, patch: Uint8Array): HttpRequestSpec {
  return { url: `${url}/v1/classify`, body: patch, contentType: 'image/jpeg' };
}

/**
 * Experiment 4: the seed's experiment (16 concurrent clients x 10 POST /v1/classify) against 1,
 * 2 (and, with more cores, as many) classifier replicas; a sustained closed loop at the same
 * concurrency for each process's CPU per request; the classifier tier alone over gRPC; and a
 * projection to more replicas from those demands.
 */
export async function runScaleout(context: BenchContext): Promise<ScaleoutExperiment> {
  const { plan, progress, model, machine } = context;
  const s = plan.scaleout;
  const counts = replicaCounts(machine.cores);
  const patch = await context.patch();
  const seed: SeedRun[] = [];
  const sustained: SustainedRest[] = [];
  for (const replicas of counts) {
    progress.begin(`4 scale-out: starting the system with ${replicas} classifier replica(s)`, START_SECONDS);
    const stack = await startBenchStack(replicas, model.dir);
    try {
      const spec = classifyRequest(stack.url, patch.bytes);
      progress.begin(`4 scale-out: ${s.clients} clients x ${s.requestsPerClient} POST /v1/classify, ${replicas} replica(s), ${s.repeats} run(s)`, (s.repeats + 1) * SEED_RUN_SECONDS);
      await fixedCount(spec, { clients: s.clients, requestsPerClient: 2, timeoutSeconds: 60 });
      seed.push(await context.quiet.measure(`4 seed's 16 x 10, ${replicas} replica(s)`, () => seedRuns(stack.all, stack.classifiers, spec, replicas, s), (run) => run.otherCores));

      progress.begin(`4 scale-out: sustained POST /v1/classify at concurrency ${s.sustainedConcurrency}, ${replicas} replica(s)`, s.sustainedWarmUpSeconds + s.sustainedSeconds);
      sustained.push(
        await context.quiet.measure(`4 sustained /v1/classify, ${replicas} replica(s)`, () => sustainedWindow(stack.all, stack.classifiers, spec, replicas, s), (window) => window.otherCores),
      );
    } finally {
      await stack.stop();
    }
  }

  progress.begin(`4 scale-out: starting ${Math.max(...counts)} lone classifier replicas`, 3);
  const rounds: GrpcScaleRow[][] = [];
  // One core per replica, as 1-CPU pods: the target is about replicas as the unit of scale.
  const loadClient = await context.loadClient();
  const classifiers = await startClassifiers(Math.max(...counts), model.dir, {}, true);
  try {
    for (let round = 1; round <= s.grpcRounds; round += 1) {
      const rows: GrpcScaleRow[] = [];
      for (const replicas of roundOrder(counts, round)) {
        progress.begin(`4 scale-out: round ${round}/${s.grpcRounds}, ${s.grpcConcurrency} concurrent batch-1 ModelInfer calls over ${replicas} replica(s)`, s.grpcWarmUpSeconds + s.grpcSeconds + 0.6);
        rows.push(await grpcTierWindow(context, classifiers, replicas, loadClient));
      }
      rounds.push(rows);
    }
  } finally {
    await Promise.all(classifiers.map((classifier) => classifier.stop()));
  }
  const grpc = medianRound(rounds).slice().sort((a, b) => a.replicas - b.replicas);
  const grpcRounds = rounds.map((rows) => rows.map(({ replicas, cropsPerSecond }) => ({ replicas, cropsPerSecond })));

  return {
    patch: { width: patch.width, height: patch.height, bytes: patch.bytes.byteLength },
    replicaCounts: counts,
    seed,
    sustained,
    grpc,
    grpcRounds,
    grpcClient: loadClient === undefined ? 'node' : 'h2load',
    projection: projection(grpc, sustained, s.projectTo),
  };
}

/** The classifier tier over the first `replicas` of the lone replicas; every replica is measured, so idle ones show as such. */
async function grpcTierWindow(context: BenchContext, classifiers: readonly ServiceProcess[], replicas: number, client: H2loadClient | undefined): Promise<GrpcScaleRow> {
  const { plan, model } = context;
  const s = plan.scaleout;
  const result = await context.quiet.measure(
    `4 gRPC tier, ${replicas} replica(s)`,
    () =>
      grpcWindow(classifiers, classifiers.slice(0, replicas), {
        concurrency: s.grpcConcurrency,
        inputSize: model.inputSize,
        warmUpSeconds: s.grpcWarmUpSeconds,
        seconds: s.grpcSeconds,
        maxCalls: plan.grpc.maxCalls,
        ...(client === undefined ? {} : { h2load: client }),
      }),
    (window) => window.otherCores,
  );
  return {
    replicas,
    concurrency: s.grpcConcurrency,
    cropsPerSecond: result.cropsPerSecond,
    latencyMs: result.latencyMs,
    server: result.server,
    cpuSecondsPerCrop: result.cpuSecondsPerCrop,
    serverCores: result.serverCores,
    clientCores: result.clientCores,
    otherCores: result.otherCores,
    errors: result.errors,
  };
}

/** The seed's experiment, `repeats` times: 16 clients x 10 requests, total time of each run. */
async function seedRuns(services: readonly ServiceProcess[], classifiers: readonly ServiceProcess[], spec: HttpRequestSpec, replicas: number, s: BenchPlan['scaleout']): Promise<SeedRun> {
  const totals: number[] = [];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const window = new ServiceWindow(services, classifiers);
  await window.start();
  for (let run = 0; run < s.repeats; run += 1) {
    const result = await fixedCount(spec, { clients: s.clients, requestsPerClient: s.requestsPerClient, timeoutSeconds: 120 });
    totals.push(result.totalSeconds);
    latencies.push(...result.latenciesMs);
    for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  }
  const figures = await window.end();
  const medianTotal = median(totals);
  return {
    replicas,
    clients: s.clients,
    requestsPerClient: s.requestsPerClient,
    totalSeconds: totals,
    medianTotalSeconds: medianTotal,
    requestsPerSecond: (s.clients * s.requestsPerClient) / medianTotal,
    latencyMs: summarize(latencies),
    statuses,
    otherCores: otherCores(figures),
  };
}

async function sustainedWindow(services: readonly ServiceProcess[], classifiers: readonly ServiceProcess[], spec: HttpRequestSpec, replicas: number, s: BenchPlan['scaleout']): Promise<SustainedRest> {
  const window = new ServiceWindow(services, classifiers);
  let figures: WindowFigures | undefined;
  const loop = await closedLoop(spec, {
    concurrency: s.sustainedConcurrency,
    warmUpSeconds: s.sustainedWarmUpSeconds,
    seconds: s.sustainedSeconds,
    maxRequests: 1_000_000,
    onWindowStart: () => window.start(),
    onWindowEnd: async () => {
      figures = await window.end();
    },
  });
  if (figures === undefined) throw new Error('the sustained window never closed');
  const requests = loop.latenciesMs.length;
  // The HTTP load generator is this process: its CPU is the client's.
  const cpuSeconds = { ...figures.cpuSeconds, client: figures.benchCpuSeconds };
  return {
    replicas,
    concurrency: s.sustainedConcurrency,
    requestsPerSecond: requests / loop.seconds,
    latencyMs: summarize(loop.latenciesMs),
    seconds: loop.seconds,
    statuses: loop.statuses,
    cpuSecondsPerRequest: Object.fromEntries(Object.entries(cpuSeconds).map(([kind, seconds]) => [kind, requests > 0 ? seconds / requests : Number.NaN])),
    cores: { ...coresOf(figures), client: figures.benchCpuSeconds / figures.seconds },
    otherCores: otherCores(figures),
    server: figures.split,
  };
}

const ASSUMPTIONS = [
  'each classifier replica gets one core of its own; the gateway and the tiler get one core each (their own pods, not scaled with the classifier)',
  'CPU seconds per request (per crop for gRPC) stay as measured at 2 replicas whatever the replica count: batches may shrink as the load spreads over more replicas, which would raise them',
  'the load balancer keeps every replica busy; network hops between machines and the load generator are not counted',
];

function projection(grpc: readonly GrpcScaleRow[], sustained: readonly SustainedRest[], replicas: readonly number[]): ScaleoutExperiment['projection'] {
  // The demands measured with two replicas: the busiest configuration both parts ran.
  const grpcBase = grpc.find((row) => row.replicas === 2) ?? grpc[grpc.length - 1];
  const restBase = sustained.find((row) => row.replicas === 2) ?? sustained[sustained.length - 1];
  const demands = {
    classifierPerCrop: grpcBase?.cpuSecondsPerCrop ?? Number.NaN,
    gatewayPerRequest: restBase?.cpuSecondsPerRequest['gateway'] ?? Number.NaN,
    tilerPerRequest: restBase?.cpuSecondsPerRequest['tiler'] ?? Number.NaN,
    classifierPerRequest: restBase?.cpuSecondsPerRequest['classifier'] ?? Number.NaN,
  };
  const rows = project(demands, { replicas, gatewayCores: 1, tilerCores: 1 }, {
    grpc: new Map(grpc.map((row) => [row.replicas, row.cropsPerSecond])),
    rest: new Map(sustained.map((row) => [row.replicas, row.requestsPerSecond])),
  });
  return { assumptions: ASSUMPTIONS, demands, rows };
}
