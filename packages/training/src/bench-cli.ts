#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureThroughput } from './bench.js';
import { readManifestFile } from './manifest.js';
import { loadLayersModelFromFile } from './model-files.js';
import { useBackend } from './tf-runtime.js';

const USAGE = 'usage: node packages/training/dist/bench-cli.js --model DIR [--batch 1,32] [--repeats N]';

/** Crops per second of a model folder on the wasm backend, one thread (the serving set-up). */
async function main(argv: readonly string[]): Promise<number> {
  let dir: string | undefined;
  let batches = [1, 32];
  let repeats = 10;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) {
      process.stderr.write(`${arg} needs a value\n${USAGE}\n`);
      return 2;
    }
    if (arg === '--model') dir = value;
    else if (arg === '--batch') batches = value.split(',').map(Number);
    else if (arg === '--repeats') repeats = Number(value);
    else {
      process.stderr.write(`unknown argument ${arg}\n${USAGE}\n`);
      return 2;
    }
  }
  if (dir === undefined || batches.some((b) => !Number.isInteger(b) || b < 1) || !Number.isInteger(repeats) || repeats < 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  await useBackend('wasm');
  const manifest = await readManifestFile(dir);
  const model = await loadLayersModelFromFile(path.join(dir, manifest.modelPath));
  for (const batch of batches) {
    const r = await measureThroughput(model, manifest.inputSize, batch, batch === 1 ? repeats * 3 : repeats);
    process.stdout.write(`${manifest.name} ${manifest.inputSize} px, wasm 1 thread, batch ${batch}: ${r.msPerBatch.toFixed(1)} ms/batch, ${r.cropsPerSecond.toFixed(1)} crops/s\n`);
  }
  model.dispose();
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
