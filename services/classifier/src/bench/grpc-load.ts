import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLASS_NAMES } from '@skinlesion/model-manifest';
import { loadInferenceProto, type ModelInferResponse__Output } from '@skinlesion/proto';
import { benchCrops, percentiles, round } from './stats.js';
import { frameMessage, WireCaller, WireCallError } from './wire-caller.js';

export interface ServerProcess {
  readonly target: string;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

/** Starts dist/main.js (beside this file's folder) with `env` and waits for its "listening" line. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { PATH: process.env['PATH'] ?? '', CLASSIFIER_HOST: '127.0.0.1', CLASSIFIER_PORT: '0', CLASSIFIER_METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listening = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the classifier did not start within ${timeoutMs} ms`)), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; port: number; metricsPort: number };
        if (record.msg === 'listening') {
          clearTimeout(timer);
          resolve(record);
        }
      } catch {
        // Not a log record: ignore.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the classifier exited with ${code} before listening`));
    });
  });
  return {
    target: `127.0.0.1:${listening.port}`,
    metricsPort: listening.metricsPort,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadResult {
  readonly concurrency: number;
  readonly cropsPerRequest: number;
  readonly requests: number;
  readonly seconds: number;
  readonly cropsPerSecond: number;
  /** Per-call latency percentiles, ms. */
  readonly latencyMs: Record<string, number>;
}

export interface GrpcLoadOptions {
  readonly concurrency: number;
  readonly cropsPerRequest: number;
  readonly inputSize: number;
  /** Measured window, after the warm-up. */
  readonly seconds: number;
  readonly warmUpSeconds: number;
  /** Calls started at most, warm-up included: bounds the run by count as well as by time. */
  readonly maxCalls?: number;
}

export interface GrpcLoadSamples {
  /** Latency of every call that finished inside the measured window, ms, in completion order. */
  readonly latenciesMs: number[];
  /** Calls that failed inside the window, by gRPC status name. */
  readonly errors: Record<string, number>;
  /** Length of the measured window, s (shorter than asked when maxCalls ended the run early). */
  readonly seconds: number;
}

export interface GrpcLoadHooks {
  /** The warm-up is over: the measured window starts now. */
  readonly windowStart?: () => void;
  /** The measured window is over (calls still in flight are not counted). */
  readonly windowEnd?: () => void;
}

/** ModelInfer's definition: its HTTP/2 path and (de)serialisers. */
export type ModelInferMethod = ReturnType<typeof loadInferenceProto>['GRPCInferenceService']['service']['ModelInfer'];

/** Loading parses the .proto files: load once per tool. */
export function modelInferMethod(): ModelInferMethod {
  return loadInferenceProto().GRPCInferenceService.service.ModelInfer;
}

/** A ModelInfer request of `count` generated UINT8 crops (bench crops of `seed`), framed as it travels in an HTTP/2 body. */
export function framedModelInferRequest(method: ModelInferMethod, count: number, size: number, seed: number): Buffer {
  const request = method.requestSerialize({
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [count, size, size, 3] }],
    rawInputContents: [Buffer.from(benchCrops(count, size, seed))],
  });
  return frameMessage(request);
}

/**
 * `concurrency` callers, each sending ModelInfer calls of `cropsPerRequest` UINT8 crops back to
 * back (a closed loop, as perf_analyzer's concurrency mode), for `warmUpSeconds` unmeasured and
 * then `seconds` measured. Caller i talks to targets[i % targets.length] over its own
 * connection, so several replicas share the callers evenly, as independent clients would.
 */
export async function runGrpcLoad(targets: readonly string[], options: GrpcLoadOptions, hooks: GrpcLoadHooks = {}): Promise<GrpcLoadSamples> {
  if (targets.length === 0) throw new Error('no gRPC target to load');
  const method = modelInferMethod();
  const { cropsPerRequest: count, inputSize: size } = options;
  // One connection per caller, as independent clients would have.
  const callers = Array.from({ length: options.concurrency }, (_, caller) => {
    const request = framedModelInferRequest(method, count, size, caller + 1);
    return new WireCaller(targets[caller % targets.length]!, method.path, request, (message) => checkResponse(method.responseDeserialize(message), count));
  });
  const maxCalls = options.maxCalls ?? Number.POSITIVE_INFINITY;
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  let started = 0;
  const warmUpEnds = performance.now() + options.warmUpSeconds * 1000;
  let ends = warmUpEnds + options.seconds * 1000;
  const windowStart = setTimeout(() => hooks.windowStart?.(), options.warmUpSeconds * 1000);
  let windowEnded = false;
  const endWindow = () => {
    if (windowEnded) return;
    windowEnded = true;
    hooks.windowEnd?.();
  };
  const windowEnd = setTimeout(endWindow, (options.warmUpSeconds + options.seconds) * 1000);
  try {
    await Promise.all(
      callers.map(async (caller) => {
        for (let now = performance.now(); now < ends && started < maxCalls; now = performance.now()) {
          started += 1;
          const callStarted = now;
          let failure: string | undefined;
          try {
            await caller.call();
          } catch (error) {
            failure = error instanceof WireCallError ? error.code : 'UNKNOWN';
          }
          const finished = performance.now();
          // Counted by completion inside the window: in steady state as many calls straddle its
          // start as its end, so throughput is unbiased.
          if (finished > warmUpEnds && finished <= ends) {
            if (failure === undefined) latenciesMs.push(finished - callStarted);
            else errors[failure] = (errors[failure] ?? 0) + 1;
          }
          // The count bound ends the window where the last counted call finished.
          if (started >= maxCalls && ends > finished) ends = Math.max(finished, warmUpEnds);
        }
      }),
    );
  } finally {
    clearTimeout(windowStart);
    clearTimeout(windowEnd);
    endWindow();
    for (const caller of callers) caller.close();
  }
  return { latenciesMs, errors, seconds: Math.max(0, ends - warmUpEnds) / 1000 };
}

/** The answer to `count` crops holds their probabilities: one FP32 value per class and crop. */
function checkResponse(response: ModelInferResponse__Output, count: number): void {
  const index = response.outputs.findIndex((output) => output.name === 'probabilities');
  const bytes = index < 0 ? undefined : response.rawOutputContents[index]?.length;
  if (bytes !== count * CLASS_NAMES.length * 4) {
    throw new WireCallError('INTERNAL', `ModelInfer answered ${count} crops without ${count} x ${CLASS_NAMES.length} FP32 probabilities (outputs: ${response.outputs.map((o) => o.name).join(', ')})`);
  }
}

/** runGrpcLoad against one target, summarised as crops/s and latency percentiles. */
export async function measureGrpc(target: string, options: GrpcLoadOptions): Promise<LoadResult> {
  const samples = await runGrpcLoad([target], options);
  const failed = Object.entries(samples.errors);
  if (failed.length > 0) throw new Error(`ModelInfer calls failed: ${failed.map(([code, n]) => `${n} x ${code}`).join(', ')}`);
  const completed = samples.latenciesMs.length;
  return {
    concurrency: options.concurrency,
    cropsPerRequest: options.cropsPerRequest,
    requests: completed,
    seconds: options.seconds,
    cropsPerSecond: round((completed * options.cropsPerRequest) / samples.seconds),
    latencyMs: Object.fromEntries(Object.entries(percentiles(samples.latenciesMs)).map(([key, value]) => [key, round(value, 2)])),
  };
}
