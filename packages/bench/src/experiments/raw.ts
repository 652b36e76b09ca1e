import { availableParallelism } from 'node:os';
import { measureRawRuntime, type RawRuntimeResult } from '../classifier-tools.js';
import type { BenchContext } from '../context.js';
import { busyNeighbours } from '../neighbours.js';
import type { BenchPlan } from '../plan.js';
import type { RawExperiment, RawRow } from '../types.js';

/** TF.js on its WebAssembly backend, then ONNX Runtime; one process each, one thread each. */
const RUNTIMES = [
  { runtime: 'tfjs', backend: 'wasm', label: 'TF.js wasm' },
  { runtime: 'onnx', backend: undefined, label: 'ONNX Runtime' },
] as const;

export function estimateRaw(plan: BenchPlan): number {
  // Start-up (model load, warm calls) plus at least three calls per batch size on wasm (~1 s each
  // at 32); ONNX Runtime once more beside busy cores.
  return (RUNTIMES.length + 1) * runtimeSeconds(plan);
}

function runtimeSeconds(plan: BenchPlan): number {
  return 4 + plan.raw.batches.length * Math.max(plan.raw.seconds, 3);
}

/** Experiment 1, the limit: raw in-process inference, crops/s, per runtime and batch size. */
export async function runRaw(context: BenchContext): Promise<RawExperiment> {
  const { plan, progress } = context;
  const rows: RawRow[] = [];
  for (const { runtime, backend, label } of RUNTIMES) {
    progress.begin(`1 raw: ${label}, batch ${plan.raw.batches.join(', ')}`, runtimeSeconds(plan));
    const measured = await context.quiet.measure(
      `1 raw ${label}`,
      () => measureRawRuntime({ modelDir: context.model.dir, runtime, backend, batches: plan.raw.batches, seconds: plan.raw.seconds }),
      (result) => result.otherCores,
    );
    rows.push(...rawRows(measured));
  }
  return { threads: 1, seconds: plan.raw.seconds, rows, ...(await besideBusyCores(context)) };
}

function rawRows(measured: RawRuntimeResult): RawRow[] {
  return measured.rows.map(({ runtime, backend, batch, cropsPerSecond, batchMs, crops, seconds }) => ({ runtime, backend, batch, cropsPerSecond, batchMs, crops, seconds, otherCores: measured.otherCores }));
}

/**
 * ONNX Runtime again with every other core spinning: a served replica's inference thread always
 * has its event loop and the load generator beside it, and on this kind of machine that alone
 * slows it down. Not checked for quiet: the other cores are busy on purpose.
 */
async function besideBusyCores(context: BenchContext): Promise<Pick<RawExperiment, 'busyNeighbourCores' | 'besideBusyRows'>> {
  const { plan, progress } = context;
  if (availableParallelism() < 2) return {};
  const seconds = runtimeSeconds(plan);
  progress.begin(`1 raw: ONNX Runtime beside busy cores, batch ${plan.raw.batches.join(', ')}`, seconds);
  const neighbours = await busyNeighbours(seconds * 4 + 60);
  try {
    const measured = await measureRawRuntime({ modelDir: context.model.dir, runtime: 'onnx', batches: plan.raw.batches, seconds: plan.raw.seconds });
    return { busyNeighbourCores: neighbours.cores, besideBusyRows: rawRows(measured) };
  } finally {
    await neighbours.stop();
  }
}
