import { startStack } from '@skinlesion/stack';
import { makeWidefieldPhoto } from '@skinlesion/synth';
import { median } from './stats.js';

export interface StageTimingOptions {
  readonly width: number;
  readonly height: number;
  readonly lesions: number;
  readonly runs: number;
  readonly classifierReplicas: number;
  readonly seed: number;
}

export interface StageTimingReport {
  readonly photo: { width: number; height: number; lesions: number; candidates: number };
  readonly runs: number;
  readonly classifierReplicas: number;
  /** Median milliseconds per stage over the runs: gateway stages and the tiler's own steps. */
  readonly medianMs: Record<string, number>;
  /** Wall time of the whole HTTP request as the client saw it. */
  readonly clientMedianMs: number;
}

/** The parts of a POST /v1/analyses answer the timings come from. */
export interface AnalysisBody {
  lesions: unknown[];
  timingsMs: Record<string, number>;
  photos: Array<{ timingsMs?: Record<string, number> }>;
}

/** One answer's milliseconds per stage: the gateway's stages and the first photo's tiler steps as tiler.<step>. */
export function stagesOf(body: AnalysisBody): Record<string, number> {
  return { ...prefixed('tiler.', body.photos[0]?.timingsMs ?? {}), ...body.timingsMs };
}

/** Median of each stage over several answers' stagesOf, rounded to 0.1 ms. */
export function medianStages(samples: readonly Record<string, number>[]): Record<string, number> {
  const byStage: Record<string, number[]> = {};
  for (const stages of samples) for (const [stage, value] of Object.entries(stages)) (byStage[stage] ??= []).push(value);
  return Object.fromEntries(Object.entries(byStage).map(([stage, values]) => [stage, Math.round(median(values) * 10) / 10]));
}

/**
 * Starts the system, posts one generated photo `runs` times one after another (after one
 * warm-up request) and reports median time per stage: what one photo costs on an idle system.
 */
export async function measureStageTimings(options: StageTimingOptions, progress?: (done: number, total: number) => void): Promise<StageTimingReport> {
  const photo = await makeWidefieldPhoto({ width: options.width, height: options.height, lesions: options.lesions, seed: options.seed });
  const stack = await startStack({ classifierReplicas: options.classifierReplicas, gatewayPort: 0, env: { LOG_LEVEL: 'warn' } });
  try {
    const post = async () => {
      const form = new FormData();
      form.append('image', new Blob([photo.image], { type: 'image/jpeg' }), 'photo.jpg');
      const started = performance.now();
      const response = await fetch(`${stack.url}/v1/analyses`, { method: 'POST', body: form });
      const body = (await response.json()) as AnalysisBody;
      if (response.status !== 200) throw new Error(`analysis failed with HTTP ${response.status}: ${JSON.stringify(body)}`);
      return { body, clientMs: performance.now() - started };
    };
    const warm = await post();
    const samples: Record<string, number>[] = [];
    const clientMs: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const { body, clientMs: ms } = await post();
      clientMs.push(ms);
      samples.push(stagesOf(body));
      progress?.(run + 1, options.runs);
    }
    return {
      photo: { width: options.width, height: options.height, lesions: options.lesions, candidates: warm.body.lesions.length },
      runs: options.runs,
      classifierReplicas: options.classifierReplicas,
      medianMs: medianStages(samples),
      clientMedianMs: Math.round(median(clientMs)),
    };
  } finally {
    await stack.stop();
  }
}

function prefixed(prefix: string, record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [`${prefix}${key}`, value]));
}
