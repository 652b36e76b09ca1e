/**
 * Measures classifier throughput (crops per second) on the configured model and backend, through
 * the same preprocessing and batching as the service, without gRPC:
 *
 *   node services/classifier/dist/bench.js [--batch 1,8,32] [--seconds 5]
 *
 * MODEL_DIR and CLASSIFIER_BACKEND are read as by the service. Prints one JSON line per batch size.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createLogger } from '@skinlesion/logger';
import { loadClassifierConfig } from './config.js';
import { initBackend } from './runtime/backend.js';
import { Classifier } from './runtime/classifier.js';
import { loadModelDir } from './runtime/model.js';

interface BenchOptions {
  readonly batches: number[];
  readonly seconds: number;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: { batch: { type: 'string', default: '1,32' }, seconds: { type: 'string', default: '5' } },
  });
  const batches = values.batch.split(',').map(Number);
  const seconds = Number(values.seconds);
  if (batches.some((batch) => !Number.isInteger(batch) || batch < 1)) throw new Error(`--batch must list positive integers, got ${values.batch}`);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive, got ${values.seconds}`);
  return { batches, seconds };
}

/** Pseudo-random crops (xorshift32): texture like real skin crops, not a constant image. */
function crops(count: number, size: number): Uint8Array {
  const data = new Uint8Array(count * size * size * 3);
  let state = 0x9e3779b9;
  for (let index = 0; index < data.length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[index] = state & 0xff;
  }
  return data;
}

async function bench(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const config = loadClassifierConfig();
  const log = createLogger('classifier-bench', config.logLevel);
  const backend = await initBackend(config.backend, log);
  for (const batch of options.batches) {
    const classifier = new Classifier(await loadModelDir(config.modelDir), { maxBatch: batch });
    await classifier.warmUp();
    const { manifest } = classifier;
    const input = { datatype: 'UINT8' as const, count: batch, size: manifest.inputSize, data: crops(batch, manifest.inputSize) };
    let classified = 0;
    const started = performance.now();
    // At least three calls, and at least the requested time, so that one slow call does not decide.
    for (let calls = 0; calls < 3 || performance.now() - started < options.seconds * 1000; calls += 1) {
      classified += (await classifier.classify(input)).count;
    }
    const seconds = (performance.now() - started) / 1000;
    const line = {
      model: manifest.name,
      version: manifest.version,
      inputSize: manifest.inputSize,
      backend,
      batch,
      crops: classified,
      seconds: Number(seconds.toFixed(2)),
      cropsPerSecond: Number((classified / seconds).toFixed(1)),
      msPerCrop: Number(((seconds * 1000) / classified).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    classifier.dispose();
  }
}

bench().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
