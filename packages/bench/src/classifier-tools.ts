import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';
import { cpuSeconds, machineBusySeconds } from './proc.js';

/**
 * The classifier's own bench tools (services/classifier/src/bench/), run as child processes:
 * they hold the runtimes and the gRPC client this package does not depend on, and a separate
 * process keeps a runtime's threads and memory, or a load generator's CPU, apart and countable.
 */
const TOOLS = fileURLToPath(new URL('../../../services/classifier/dist/bench/', import.meta.url));

interface ToolRun {
  readonly records: Record<string, unknown>[];
}

/** Runs a tool to its end, handing each JSON record to `onRecord` as it arrives. */
function runTool(script: string, args: readonly string[], env: Record<string, string>, timeoutMs: number, onRecord?: (record: Record<string, unknown>, pid: number | undefined) => void): Promise<ToolRun> {
  const child = spawn(process.execPath, [`${TOOLS}${script}`, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const untrack = track(() => child.kill('SIGKILL'));
  const records: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    records.push(record);
    onRecord?.(record, child.pid);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 30) stderr.shift();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      untrack();
      if (code === 0) resolve({ records });
      else reject(new Error(`${script} ${args.join(' ')} ended with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (over its ${timeoutMs} ms bound)` : ''}\n${stderr.join('\n')}`));
    });
  });
}

export interface RawMeasurement {
  readonly runtime: string;
  readonly backend: string;
  readonly batch: number;
  readonly crops: number;
  readonly seconds: number;
  readonly cropsPerSecond: number;
  readonly batchMs: number;
}

export interface RawRuntimeResult {
  readonly rows: RawMeasurement[];
  /** Cores other processes (neither the tool nor this one) used while the tool measured. */
  readonly otherCores: number;
}

/** The limit of one runtime: crops/s of back-to-back batches on one thread, per batch size. */
export async function measureRawRuntime(options: { modelDir: string; runtime: 'onnx' | 'tfjs'; backend?: string; batches: readonly number[]; seconds: number }): Promise<RawRuntimeResult> {
  const args = ['--runtime', options.runtime, '--batch', options.batches.join(','), '--seconds', String(options.seconds), '--model-dir', options.modelDir];
  if (options.backend !== undefined) args.push('--backend', options.backend);
  // Loading plus, per batch size, at least three calls: a wasm batch of 32 takes about a second.
  const bound = 120_000 + options.batches.length * (options.seconds * 1000 + 30_000);
  // The machine's busy time against the tool's and ours, from its start to its last record.
  const ownCpu = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const start = { at: performance.now(), machine: machineBusySeconds(), own: ownCpu() };
  let last: { at: number; machine: number; tool: number; own: number } | undefined;
  const { records } = await runTool('raw-cli.js', args, {}, bound, (record, pid) => {
    if (record['event'] === 'raw') last = { at: performance.now(), machine: machineBusySeconds(), tool: cpuSeconds(pid), own: ownCpu() };
  });
  const span = last === undefined ? Number.NaN : (last.at - start.at) / 1000;
  const otherCores = last !== undefined && span > 0 ? Math.max(0, last.machine - start.machine - last.tool - (last.own - start.own)) / span : Number.NaN;
  return { rows: records.filter((record) => record['event'] === 'raw') as unknown as RawMeasurement[], otherCores };
}

export interface GrpcLoadMeasurement {
  readonly latenciesMs: number[];
  readonly errors: Record<string, number>;
  readonly seconds: number;
  /** CPU seconds the load generator itself used in the window. */
  readonly clientCpuSeconds: number;
}

export interface GrpcLoadSpec {
  readonly targets: readonly string[];
  readonly inputSize: number;
  readonly concurrency: number;
  readonly cropsPerRequest: number;
  readonly warmUpSeconds: number;
  readonly seconds: number;
  readonly maxCalls: number;
  /** Called at the window's edges (e.g. to scrape server metrics); awaited before returning. */
  readonly onWindowStart?: () => Promise<void>;
  readonly onWindowEnd?: () => Promise<void>;
}

/** Writes a framed batch-N ModelInfer request body to `file` (for h2load); resolves with the call's HTTP/2 path. */
export async function writeModelInferRequest(file: string, inputSize: number, cropsPerRequest: number): Promise<string> {
  const { records } = await runTool('load-cli.js', ['--write-request', file, '--size', String(inputSize), '--crops', String(cropsPerRequest)], {}, 60_000);
  const written = records.find((record) => record['event'] === 'request');
  if (typeof written?.['path'] !== 'string') throw new Error('the load tool wrote no request');
  return written['path'];
}

/** A closed loop of batch-N ModelInfer calls from a separate process (the classifier's load tool). */
export async function loadClassifiers(spec: GrpcLoadSpec): Promise<GrpcLoadMeasurement> {
  const args = [
    '--targets',
    spec.targets.join(','),
    '--size',
    String(spec.inputSize),
    '--concurrency',
    String(spec.concurrency),
    '--crops',
    String(spec.cropsPerRequest),
    '--seconds',
    String(spec.seconds),
    '--warm-up',
    String(spec.warmUpSeconds),
    '--max-calls',
    String(spec.maxCalls),
  ];
  const hooks: Promise<void>[] = [];
  let cpuAtStart = Number.NaN;
  let cpuAtEnd = Number.NaN;
  const { records } = await runTool('load-cli.js', args, {}, (spec.warmUpSeconds + spec.seconds) * 1000 + 60_000, (record, pid) => {
    if (record['event'] === 'window-start') {
      cpuAtStart = cpuSeconds(pid);
      if (spec.onWindowStart) hooks.push(spec.onWindowStart());
    } else if (record['event'] === 'window-end') {
      cpuAtEnd = cpuSeconds(pid);
      if (spec.onWindowEnd) hooks.push(spec.onWindowEnd());
    }
  });
  await Promise.all(hooks);
  const result = records.find((record) => record['event'] === 'result');
  if (result === undefined) throw new Error('the load tool gave no result');
  return {
    latenciesMs: result['latenciesMs'] as number[],
    errors: result['errors'] as Record<string, number>,
    seconds: result['seconds'] as number,
    clientCpuSeconds: cpuAtEnd - cpuAtStart,
  };
}
