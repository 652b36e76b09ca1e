import { spawn } from 'node:child_process';

/** One record of the classifier's raw bench (services/classifier/dist/bench/raw-cli.js). */
export interface RawBenchRecord {
  readonly runtime: string;
  readonly backend: string;
  readonly batch: number;
  readonly cropsPerSecond: number;
  readonly batchMs: number;
}

export interface RuntimeCost {
  /** As the classifier names it: onnxruntime/cpu or tfjs/wasm. */
  readonly runtime: string;
  /** Crops per second of one single-threaded process (= per core), preprocessing included. */
  readonly cropsPerSecondBatch1: number;
  readonly cropsPerSecondBatch32: number;
  /**
   * Model time for `candidates` crops of one photo on `cores` replicas, seconds: the crops split
   * evenly over the replicas, each running batches of 32.
   */
  readonly photoSeconds: number;
}

/** The photo the target speaks of: 12 megapixels, 100 candidates, 2 cores (issue 3). */
export const COST_SCENARIO = { megapixels: 12, candidates: 100, cores: 2 } as const;

/** Model seconds for a photo's candidates spread over `cores` single-threaded replicas. */
export function photoModelSeconds(cropsPerSecond: number, candidates: number, cores: number): number {
  return Math.ceil(candidates / cores) / cropsPerSecond;
}

export function runtimeCost(records: readonly RawBenchRecord[], scenario: { candidates: number; cores: number } = COST_SCENARIO): RuntimeCost {
  const at = (batch: number): RawBenchRecord => {
    const record = records.find((r) => r.batch === batch);
    if (record === undefined) throw new Error(`no bench record for batch ${batch}`);
    return record;
  };
  const [one, many] = [at(1), at(32)];
  return {
    runtime: `${one.runtime}/${one.backend}`,
    cropsPerSecondBatch1: one.cropsPerSecond,
    cropsPerSecondBatch32: many.cropsPerSecond,
    photoSeconds: photoModelSeconds(many.cropsPerSecond, scenario.candidates, scenario.cores),
  };
}

/**
 * Runs the classifier's own raw bench in a child process (one runtime per process, as the
 * classifier runs one per replica): `node <benchCli> --runtime R [--backend B] --batch 1,32`.
 */
export async function runRawBench(benchCli: string, modelDir: string, runtime: 'onnx' | 'tfjs', seconds: number): Promise<RawBenchRecord[]> {
  const args = [benchCli, '--runtime', runtime, '--batch', '1,32', '--seconds', String(seconds), '--model-dir', modelDir];
  if (runtime === 'tfjs') args.push('--backend', 'wasm');
  const { stdout, code, stderr } = await run(process.execPath, args);
  if (code !== 0) throw new Error(`classifier bench (${runtime}) exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RawBenchRecord & { event?: string })
    .filter((record) => record.event === 'raw');
}

function run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout, stderr, code }));
  });
}
