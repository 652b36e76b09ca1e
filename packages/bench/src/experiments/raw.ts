import { measureRawRuntime } from '../classifier-tools.js';
import type { BenchContext } from '../context.js';
import type { BenchPlan } from '../plan.js';
import type { RawExperiment, RawRow } from '../types.js';

/** TF.js on its WebAssembly backend, then ONNX Runtime; one process each, one thread each. */
const RUNTIMES = [
  { runtime: 'tfjs', backend: 'wasm', label: 'TF.js wasm' },
  { runtime: 'onnx', backend: undefined, label: 'ONNX Runtime' },
] as const;

export function estimateRaw(plan: BenchPlan): number {
  // Start-up (model load, warm calls) plus at least three calls per batch size on wasm (~1 s each at 32).
  return RUNTIMES.length * (4 + plan.raw.batches.length * Math.max(plan.raw.seconds, 3));
}

/** Experiment 1, the limit: raw in-process inference, crops/s, per runtime and batch size. */
export async function runRaw(context: BenchContext): Promise<RawExperiment> {
  const { plan, progress } = context;
  const rows: RawRow[] = [];
  for (const { runtime, backend, label } of RUNTIMES) {
    progress.begin(`1 raw: ${label}, batch ${plan.raw.batches.join(', ')}`, 4 + plan.raw.batches.length * Math.max(plan.raw.seconds, 3));
    const measured = await context.quiet.measure(
      `1 raw ${label}`,
      () => measureRawRuntime({ modelDir: context.model.dir, runtime, backend, batches: plan.raw.batches, seconds: plan.raw.seconds }),
      (result) => result.otherCores,
    );
    rows.push(
      ...measured.rows.map(({ runtime: name, backend: used, batch, cropsPerSecond, batchMs, crops, seconds }) => ({ runtime: name, backend: used, batch, cropsPerSecond, batchMs, crops, seconds, otherCores: measured.otherCores })),
    );
  }
  return { threads: 1, seconds: plan.raw.seconds, rows };
}
