import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { callUnary } from '@skinlesion/grpc-kit';
import { loadInferenceProto, type GRPCInferenceServiceClient } from '@skinlesion/proto';
import { benchCrops, percentiles, round } from './stats.js';

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

/**
 * `concurrency` callers, each sending ModelInfer calls of `cropsPerRequest` UINT8 crops back to
 * back (a closed loop, as perf_analyzer's concurrency mode), for `warmUpSeconds` unmeasured and
 * then `seconds` measured.
 */
export async function measureGrpc(target: string, options: { concurrency: number; cropsPerRequest: number; inputSize: number; seconds: number; warmUpSeconds: number }): Promise<LoadResult> {
  const { GRPCInferenceService } = loadInferenceProto();
  // One connection per caller, as independent clients would have (grpc-js otherwise shares one).
  const channelOptions = { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  const clients: GRPCInferenceServiceClient[] = Array.from({ length: options.concurrency }, () => new GRPCInferenceService(target, credentials.createInsecure(), channelOptions));
  const { cropsPerRequest: count, inputSize: size } = options;
  const requests = clients.map((_, caller) => ({
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [count, size, size, 3] }],
    rawInputContents: [Buffer.from(benchCrops(count, size, caller + 1))],
  }));
  const latencies: number[] = [];
  let completed = 0;
  const warmUpEnds = performance.now() + options.warmUpSeconds * 1000;
  const ends = warmUpEnds + options.seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (client, caller) => {
        for (let now = performance.now(); now < ends; now = performance.now()) {
          const started = now;
          await callUnary(client, 'ModelInfer', requests[caller]);
          const finished = performance.now();
          // Counted by completion inside the window: in steady state as many calls straddle its
          // start as its end, so throughput is unbiased.
          if (finished > warmUpEnds && finished <= ends) {
            latencies.push(finished - started);
            completed += 1;
          }
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  return {
    concurrency: options.concurrency,
    cropsPerRequest: count,
    requests: completed,
    seconds: options.seconds,
    cropsPerSecond: round((completed * count) / options.seconds),
    latencyMs: Object.fromEntries(Object.entries(percentiles(latencies)).map(([key, value]) => [key, round(value, 2)])),
  };
}
