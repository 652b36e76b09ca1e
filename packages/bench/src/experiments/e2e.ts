import type { Stack } from '@skinlesion/stack';
import type { BenchContext, TestImage } from '../context.js';
import { closedLoop, type HttpRequestSpec } from '../http-load.js';
import type { BenchPlan } from '../plan.js';
import { startBenchStack } from '../services.js';
import { stagesOf, medianStages, type AnalysisBody } from '../stage-timings.js';
import { summarize } from '../stats.js';
import type { E2eExperiment, E2eRow, IdleBreakdown } from '../types.js';
import { coresOf, otherCores, ServiceWindow, type WindowFigures } from '../window.js';

/** Starting four kinds of process and warming them with two analyses. */
const START_SECONDS = 10;

export function estimateE2e(plan: BenchPlan): number {
  const { replicas, concurrencies, warmUpSeconds, seconds } = plan.e2e;
  return 3 + replicas.length * (START_SECONDS + concurrencies.length * (warmUpSeconds + seconds + 0.5));
}

function analysisRequest(stack: Stack, photo: TestImage): HttpRequestSpec {
  return { url: `${stack.url}/v1/analyses`, body: photo.bytes, contentType: 'image/jpeg' };
}

/** Sends the photo once and checks the answer: the warm-up, and the candidate count. */
async function analyseOnce(spec: HttpRequestSpec): Promise<AnalysisBody> {
  const response = await fetch(spec.url, { method: 'POST', body: spec.body, headers: { 'content-type': spec.contentType }, signal: AbortSignal.timeout(120_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /v1/analyses answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as AnalysisBody;
}

/**
 * Experiment 3: POST /v1/analyses with the generated 12 MP photo (raw JPEG body), closed loop at
 * each concurrency, against the whole system with 1 and 2 classifier replicas on ONNX Runtime.
 * Concurrency 1 doubles as the idle measurement with its per-stage breakdown.
 */
export async function runE2e(context: BenchContext): Promise<E2eExperiment> {
  const { plan, progress, model } = context;
  const { replicas: replicaCounts, concurrencies, warmUpSeconds, seconds } = plan.e2e;
  progress.begin('3 end-to-end: generating the 12 MP photo', 3);
  const photo = await context.photo();
  const rows: E2eRow[] = [];
  const idle: IdleBreakdown[] = [];
  let candidates = Number.NaN;
  for (const replicas of replicaCounts) {
    progress.begin(`3 end-to-end: starting the system with ${replicas} classifier replica(s)`, START_SECONDS);
    const stack = await startBenchStack(replicas, model.dir);
    try {
      const spec = analysisRequest(stack, photo);
      for (let warm = 0; warm < 2; warm += 1) candidates = (await analyseOnce(spec)).lesions.length;
      for (const concurrency of concurrencies) {
        progress.begin(`3 end-to-end: ${replicas} replica(s), concurrency ${concurrency}`, warmUpSeconds + seconds + 0.5);
        const { row, stages } = await context.quiet.measure(
          `3 end-to-end, ${replicas} replica(s), concurrency ${concurrency}`,
          () => analysisWindow(stack, spec, replicas, concurrency, plan.e2e),
          (window) => window.row.otherCores,
        );
        rows.push(row);
        if (concurrency === 1) idle.push({ replicas, requests: row.latencyMs.n, p50Ms: row.latencyMs.p50, stagesMedianMs: medianStages(stages), otherCores: row.otherCores });
      }
    } finally {
      await stack.stop();
    }
  }
  return {
    photo: { width: photo.width, height: photo.height, lesions: photo.lesions, seed: photo.seed, bytes: photo.bytes.byteLength, candidates },
    warmUpSeconds,
    seconds,
    rows,
    idle,
  };
}

/** One closed-loop window of analyses, with the services' side; stage timings kept at concurrency 1. */
async function analysisWindow(stack: Stack, spec: HttpRequestSpec, replicas: number, concurrency: number, e2e: BenchPlan['e2e']): Promise<{ row: E2eRow; stages: Record<string, number>[] }> {
  const window = new ServiceWindow(stack.all, stack.classifiers);
  let figures: WindowFigures | undefined;
  const stages: Record<string, number>[] = [];
  const loop = await closedLoop(spec, {
    concurrency,
    warmUpSeconds: e2e.warmUpSeconds,
    seconds: e2e.seconds,
    maxRequests: e2e.maxRequests,
    parseJson: concurrency === 1,
    onAnswer: (status, body) => {
      if (status === 200 && body !== undefined) stages.push(stagesOf(body as AnalysisBody));
    },
    onWindowStart: () => window.start(),
    onWindowEnd: async () => {
      figures = await window.end();
    },
  });
  if (figures === undefined) throw new Error('the end-to-end window never closed');
  return {
    row: {
      replicas,
      concurrency,
      requestsPerSecond: loop.latenciesMs.length / loop.seconds,
      latencyMs: summarize(loop.latenciesMs),
      server: figures.split,
      statuses: loop.statuses,
      seconds: loop.seconds,
      cores: coresOf(figures),
      otherCores: otherCores(figures),
    },
    stages,
  };
}
