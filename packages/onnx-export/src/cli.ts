/**
 * Exports a classifier model folder to ONNX:
 *
 *   node packages/onnx-export/dist/cli.js --model services/classifier/models/default [--out FILE] [--weights source|float32]
 *
 * --out defaults to the manifest's onnx.modelPath, else model.onnx beside model.json. --weights
 * source (default) keeps float16-quantized weights as float16; float32 widens them. Prints a JSON
 * report (sizes, operators, fingerprint of the source model) on stdout.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { WeightPrecision } from './context.js';
import { exportModelDir } from './model-dir.js';

const USAGE = 'usage: onnx-export --model <model folder with manifest.json> [--out <file.onnx>] [--weights source|float32]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { model: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string', default: 'source' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.model === undefined) throw new Error(`--model is required\n${USAGE}`);
  if (values.weights !== 'source' && values.weights !== 'float32') throw new Error(`--weights must be source or float32, got ${values.weights}`);
  const result = await exportModelDir(path.resolve(values.model), { weightPrecision: values.weights as WeightPrecision });
  const out = values.out === undefined ? result.defaultOut : path.resolve(values.out);
  await writeFile(out, result.bytes);
  const report = { out, model: `${result.manifest.name} ${result.manifest.version}`, sourceFingerprint: result.fingerprint, ...result.report };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`onnx-export: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
