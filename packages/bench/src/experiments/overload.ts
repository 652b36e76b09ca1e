import type { Stack } from '@skinlesion/stack';
import { admissionAtKnee, admissionSummary } from '../admission.js';
import type { BenchContext } from '../context.js';
import { closedLoop, fixedCount, openLoop, type ClosedLoopResult, type HttpRequestSpec } from '../http-load.js';
import type { BenchPlan } from '../plan.js';
import { peakRssBytes } from '../proc.js';
import { startBenchStack } from '../services.js';
import { summarize } from '../stats.js';
import type { OverloadExperiment } from '../types.js';
import { otherCores, ServiceWindow, type WindowFigures } from '../window.js';

const START_SECONDS = 8;
/** Closed loop at saturation concurrency on the gateway restarted with the admission limit, before the open loop. */
const RESTART_WARM_UP_SECONDS = 4;
export function estimateOverload(plan: BenchPlan): number {
  const o = plan.overload;
  // The drain usually ends long before its bound: count a few seconds of it.
  return START_SECONDS + 2 + o.saturationSeconds + 0.5 + o.unloadedSeconds + 0.5 + 2 + RESTART_WARM_UP_SECONDS + o.seconds + 3;
}

/**
 * Experiment 5: an open loop at `factor` x the measured saturation throughput of POST
 * /v1/classify (2 classifier replicas, the shipped layout) for `seconds`. POST /v1/classify is
 * the route chosen: a request is small, so 20 s at twice saturation is thousands of requests and
 * the p99 and the rejected share are well measured, and its single crop per request makes the
 * classifier's bounded queue meet the load request by request (a 12 MP analysis would offer
 * only a few dozen requests in the same time).
 */
export async function runOverload(context: BenchContext): Promise<OverloadExperiment> {
  const { plan, progress, model } = context;
  const o = plan.overload;
  progress.begin(`5 overload: starting the system with ${o.replicas} classifier replicas`, START_SECONDS);
  const patch = await context.patch();
  const stack = await startBenchStack(o.replicas, model.dir);
  try {
    const spec: HttpRequestSpec = { url: `${stack.url}/v1/classify`, body: patch.bytes, contentType: 'image/jpeg' };
    progress.begin('5 overload: warm-up', 2);
    await fixedCount(spec, { clients: 16, requestsPerClient: 4, timeoutSeconds: 60 });

    progress.begin(`5 overload: saturation, closed loop at concurrency ${o.saturationConcurrency}`, o.saturationSeconds + 0.5);
    const saturation = await context.quiet.measure(
      '5 overload saturation',
      () => measuredLoop(stack, spec, o.saturationConcurrency, o.saturationSeconds),
      (window) => window.otherCores,
    );
    const saturationRate = saturation.latenciesMs.length / saturation.seconds;
    if (!(saturationRate > 0)) throw new Error(`no request succeeded at saturation: ${JSON.stringify(saturation.statuses)}`);

    progress.begin('5 overload: unloaded latency, concurrency 1', o.unloadedSeconds + 0.5);
    const unloaded = await context.quiet.measure('5 overload unloaded latency', () => measuredLoop(stack, spec, 1, o.unloadedSeconds), (window) => window.otherCores);

    const unloadedMs = summarize(unloaded.latenciesMs);
    const admission = admissionAtKnee(saturationRate, unloadedMs.p50);
    progress.begin(`5 overload: gateway restarted with ${admissionSummary(admission)}`, 2 + RESTART_WARM_UP_SECONDS);
    await stack.gateway.stop();
    await stack.gateway.restart({
      MAX_IN_FLIGHT_REQUESTS: String(admission.maxInFlight),
      MAX_QUEUED_REQUESTS: String(admission.maxQueued),
      MAX_QUEUE_WAIT_MS: String(admission.maxQueueWaitMs),
    });
    // A restarted gateway runs cold, unoptimised code: a few dozen requests left it answering at
    // two thirds of its warm rate for the first 10 s of the open loop. Warm it as hard as the
    // saturation loop warmed the first one, refusals included, before measuring.
    await closedLoop(spec, { concurrency: o.saturationConcurrency, warmUpSeconds: 0, seconds: RESTART_WARM_UP_SECONDS, maxRequests: 1_000_000 });

    const rate = o.factor * saturationRate;
    progress.begin(`5 overload: open loop at ${Math.round(rate)} requests/s (${o.factor} x saturation) for ${o.seconds} s`, o.seconds + 3);
    const window = new ServiceWindow(stack.all, stack.classifiers);
    await window.start();
    const result = await openLoop(spec, { rate, seconds: o.seconds, maxOutstanding: o.maxOutstanding, drainSeconds: o.drainSeconds });
    const figures: WindowFigures = await window.end();
    const rejected = (result.statuses['429'] ?? 0) + (result.statuses['503'] ?? 0);
    const peak = Object.fromEntries(stack.all.map((service) => [service.name, peakRssBytes(service.pid)]));
    return {
      route: '/v1/classify',
      replicas: o.replicas,
      saturation: { concurrency: o.saturationConcurrency, requestsPerSecond: saturationRate, latencyMs: summarize(saturation.latenciesMs) },
      unloaded: { latencyMs: unloadedMs },
      admission,
      offeredRate: rate,
      seconds: o.seconds,
      offered: result.offered,
      sent: result.sent,
      notSent: result.notSent,
      statuses: result.statuses,
      acceptedRate: result.acceptedRate,
      acceptedOverallRate: result.lastAnswerSeconds > 0 ? result.acceptedLatenciesMs.length / result.lastAnswerSeconds : Number.NaN,
      lastAnswerSeconds: result.lastAnswerSeconds,
      acceptedPerSecond: result.acceptedPerSecond,
      acceptedLatencyMs: summarize(result.acceptedLatenciesMs),
      rejectedLatencyMs: summarize(result.rejectedLatenciesMs),
      rejectedShare: result.sent > 0 ? rejected / result.sent : Number.NaN,
      abortedAtDrain: result.abortedAtDrain,
      clientCores: result.clientCpuSeconds / figures.seconds,
      otherCores: otherCores(figures),
      peakRssBytes: peak,
      classifierRejected: figures.split.rejected,
    };
  } finally {
    await stack.stop();
  }
}

/** A closed loop with the machine's other work measured alongside. */
async function measuredLoop(stack: Stack, spec: HttpRequestSpec, concurrency: number, seconds: number): Promise<ClosedLoopResult & { otherCores: number }> {
  const window = new ServiceWindow(stack.all, stack.classifiers);
  let figures: WindowFigures | undefined;
  const loop = await closedLoop(spec, {
    concurrency,
    warmUpSeconds: 0.5,
    seconds,
    maxRequests: 1_000_000,
    onWindowStart: () => window.start(),
    onWindowEnd: async () => {
      figures = await window.end();
    },
  });
  return { ...loop, otherCores: figures === undefined ? Number.NaN : otherCores(figures) };
}
