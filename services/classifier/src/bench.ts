/**
 * Measures the classifier on this machine, all figures from one run so that their ratios hold
 * whatever else loads the cores:
 *
 *   node services/classifier/dist/bench.js [--runtimes tfjs,onnx] [--batch 1,32] [--seconds 5]
 *       [--grpc-runtime onnx] [--concurrency 16] [--grpc-seconds 10] [--no-grpc]
 *
 * 1. the limit: preprocessing + model calls back to back in this process, crops/s per runtime
 *    (TF.js on CLASSIFIER_BACKEND, wasm by default; ONNX Runtime on one thread) and batch size;
 *    then `concurrency` one-crop callers in this process through the dynamic batcher (no gRPC);
 * 2. one classifier process (dist/main.js, one inference thread) over real gRPC, `concurrency`
 *    callers of one crop each, dynamic batching on (CLASSIFIER_MAX_BATCH, default 32, and
 *    CLASSIFIER_MAX_QUEUE_DELAY_MS, default 1) vs off (max batch 1).
 *
 * MODEL_DIR is read as by the service. Prints one JSON line per measurement, then a summary line
 * with the ratios the performance issue sets targets for.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@skinlesion/logger';
import { failed, positiveIntegers, printRecord, runtimes } from './bench/args.js';
import { measureGrpc, startServerProcess, type LoadResult } from './bench/grpc-load.js';
import { measureBatcher, measureRaw, withRunner, type RawResult } from './bench/raw.js';
import { round } from './bench/stats.js';
import { loadClassifierConfig } from './config.js';
import { readManifest } from './runtime/manifest-file.js';
import type { RuntimeChoice } from './runtime/runner.js';

interface BenchOptions {
  readonly runtimes: RuntimeChoice[];
  readonly batches: number[];
  readonly seconds: number;
  readonly grpc: boolean;
  readonly grpcRuntime: RuntimeChoice;
  readonly concurrency: number;
  readonly grpcSeconds: number;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runtimes: { type: 'string', default: 'tfjs,onnx' },
      batch: { type: 'string', default: '1,32' },
      seconds: { type: 'string', default: '5' },
      'no-grpc': { type: 'boolean', default: false },
      'grpc-runtime': { type: 'string', default: 'auto' },
      concurrency: { type: 'string', default: '16' },
      'grpc-seconds': { type: 'string', default: '10' },
    },
  });
  const seconds = Number(values.seconds);
  const grpcSeconds = Number(values['grpc-seconds']);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  if (!(grpcSeconds > 0)) throw new Error(`--grpc-seconds must be positive, got ${values['grpc-seconds']}`);
  const [grpcRuntime] = runtimes(values['grpc-runtime'], '--grpc-runtime');
  return {
    runtimes: runtimes(values.runtimes, '--runtimes'),
    batches: positiveIntegers(values.batch, '--batch'),
    seconds,
    grpc: !values['no-grpc'],
    grpcRuntime,
    concurrency: positiveIntegers(values.concurrency, '--concurrency')[0],
    grpcSeconds,
  };
}

async function bench(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadClassifierConfig();
  const log = createLogger('classifier-bench', config.logLevel === 'info' ? 'warn' : config.logLevel);
  const manifest = await readManifest(config.modelDir);
  const model = `${manifest.name} ${manifest.version}`;

  const raw: RawResult[] = [];
  for (const runtime of options.runtimes) {
    if (runtime === 'onnx' && manifest.onnx === undefined) {
      printRecord({ kind: 'raw', model, runtime, skipped: 'the manifest names no ONNX export (onnx.modelPath)' });
      continue;
    }
    await withRunner(config.modelDir, runtime, config.backend, log, async (runner) => {
      for (const batch of options.batches) {
        const result = await measureRaw(runner, batch, options.seconds);
        raw.push(result);
        printRecord({ kind: 'raw', model, ...result });
      }
      const batcher = await measureBatcher(runner, { concurrency: options.concurrency, maxBatch: config.maxBatch, maxQueueDelayMs: config.maxQueueDelayMs, seconds: options.seconds });
      printRecord({ kind: 'batcher', model, ...batcher });
    });
  }

  const grpc: { batching: boolean; result: LoadResult; runtime: string }[] = [];
  if (options.grpc) {
    for (const batching of [true, false]) {
      const server = await startServerProcess({
        MODEL_DIR: config.modelDir,
        CLASSIFIER_RUNTIME: options.grpcRuntime,
        CLASSIFIER_BACKEND: config.backend,
        CLASSIFIER_MAX_BATCH: String(batching ? config.maxBatch : 1),
        CLASSIFIER_MAX_QUEUE_DELAY_MS: String(config.maxQueueDelayMs),
      });
      try {
        const result = await measureGrpc(server.target, { concurrency: options.concurrency, cropsPerRequest: 1, inputSize: manifest.inputSize, seconds: options.grpcSeconds, warmUpSeconds: 2 });
        const served = await scrape(server.metricsPort);
        grpc.push({ batching, result, runtime: served.runtime });
        printRecord({
          kind: 'grpc',
          model,
          runtime: served.runtime,
          batching,
          maxBatch: batching ? config.maxBatch : 1,
          maxQueueDelayMs: config.maxQueueDelayMs,
          ...result,
          meanBatch: round(served.batchSizeSum / served.batches, 2),
          meanInferenceMs: round((served.inferenceSecondsSum / served.batches) * 1000, 2),
        });
      } finally {
        await server.stop();
      }
    }
  }

  const at = (runtime: string, batch: number) => raw.find((result) => result.runtime === runtime && result.batch === batch)?.cropsPerSecond;
  // The limit of a runtime: its best raw throughput over the batch sizes measured.
  const limit = (runtime: string) => Math.max(...raw.filter((result) => result.runtime === runtime).map((result) => result.cropsPerSecond));
  const largest = Math.max(...options.batches);
  const summary: Record<string, unknown> = { kind: 'summary', model };
  const onnx = at('onnxruntime', largest);
  const tfjs = at('tfjs', largest);
  if (onnx !== undefined && tfjs !== undefined) summary[`onnxOverTfjsAtBatch${largest}`] = round(onnx / tfjs, 2);
  const on = grpc.find((entry) => entry.batching);
  const off = grpc.find((entry) => !entry.batching);
  if (on !== undefined && raw.some((result) => result.runtime === on.runtime)) {
    summary['rawLimitCropsPerSecond'] = limit(on.runtime);
    summary['grpcBatchingOverRawLimit'] = round(on.result.cropsPerSecond / limit(on.runtime), 2);
  }
  if (on !== undefined && off !== undefined) summary['grpcBatchingOnOverOff'] = round(on.result.cropsPerSecond / off.result.cropsPerSecond, 2);
  printRecord(summary);
}

/** What a classifier process reports: its runtime and its batches since start (warm-up calls included). */
async function scrape(metricsPort: number): Promise<{ runtime: string; batches: number; batchSizeSum: number; inferenceSecondsSum: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}\\{service="classifier"\\} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    runtime: /^classifier_runtime_info\{runtime="([^"]+)"/m.exec(text)?.[1] ?? 'unknown',
    batches: value('classifier_batch_size_count'),
    batchSizeSum: value('classifier_batch_size_sum'),
    inferenceSecondsSum: value('classifier_inference_seconds_sum'),
  };
}

bench().catch(failed);
