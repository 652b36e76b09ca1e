/**
 * The limit of one runtime, for @skinlesion/bench: preprocessing + model calls back to back in
 * this process on one thread, one JSON record per batch size on stdout.
 *
 *   node services/classifier/dist/bench/raw-cli.js --runtime onnx|tfjs [--backend wasm]
 *       [--batch 1,32] [--seconds 5] [--model-dir DIR]
 *
 * One runtime per process, so that one runtime's memory and threads never weigh on the other's
 * figures. MODEL_DIR and CLASSIFIER_BACKEND are read as by the service unless given as flags.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@skinlesion/logger';
import { loadClassifierConfig } from '../config.js';
import { BACKEND_CHOICES, type BackendChoice } from '../runtime/backend-choices.js';
import { readManifest } from '../runtime/manifest-file.js';
import { failed, positiveIntegers, positiveNumber, printRecord, runtimes } from './args.js';
import { measureRaw, withRunner } from './raw.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtime: { type: 'string', default: 'onnx' },
      backend: { type: 'string' },
      batch: { type: 'string', default: '1,32' },
      seconds: { type: 'string', default: '5' },
      'model-dir': { type: 'string' },
    },
  });
  const config = loadClassifierConfig(values['model-dir'] === undefined ? process.env : { ...process.env, MODEL_DIR: values['model-dir'] });
  const [runtime] = runtimes(values.runtime, '--runtime');
  const backend = (values.backend ?? config.backend) as BackendChoice;
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) throw new Error(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${backend}`);
  const batches = positiveIntegers(values.batch, '--batch');
  const seconds = positiveNumber(values.seconds, '--seconds');
  const manifest = await readManifest(config.modelDir);
  const log = createLogger('classifier-bench', 'warn');
  await withRunner(config.modelDir, runtime, backend, log, async (runner) => {
    for (const batch of batches) {
      const result = await measureRaw(runner, batch, seconds);
      printRecord({ event: 'raw', model: `${manifest.name} ${manifest.version}`, ...result });
    }
  });
}

main().catch(failed);
