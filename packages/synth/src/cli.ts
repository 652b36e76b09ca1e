#!/usr/bin/env node
import { parseCliArgs, USAGE, writePhotos } from './cli-args.js';

/** Command-line entry: writes synthetic photos and their ground truth to a folder. */
async function main(argv: readonly string[]): Promise<number> {
  let plan;
  try {
    plan = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (plan === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  const written = await writePhotos(plan);
  for (const w of written) process.stdout.write(`${w.image} (${w.lesions} lesions, seed ${w.seed})\n`);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${written.length} photo(s) in ${seconds.toFixed(1)} s -> ${plan.out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
