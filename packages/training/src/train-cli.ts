#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTrainArgs, TRAIN_USAGE } from './cli-args.js';
import { useBackend } from './tf-runtime.js';
import { FULL_TRAINING, QUICK_TRAINING, train, type TrainingReport } from './train.js';

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseTrainArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  await useBackend(args.backend);
  const preset = args.quick ? QUICK_TRAINING : FULL_TRAINING;
  const report = await train({
    ...preset,
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    ...(args.inputSize === undefined ? {} : { inputSize: args.inputSize, plan: { ...preset.plan, inputSize: args.inputSize } }),
    dataDir: path.resolve(args.dataDir),
    outDir: path.resolve(args.outDir),
    progress: process.stderr,
    ...(args.cacheDir === undefined ? {} : { cacheDir: path.resolve(args.cacheDir) }),
  });
  process.stdout.write(`${summary(report)}\n`);
  return 0;
}

function summary(report: TrainingReport): string {
  const h = report.metrics;
  const pct = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  const lines = [
    `model ${report.model.manifest.name} v${report.model.manifest.version}: ${report.model.manifest.inputSize} px, embedding ${report.model.manifest.embeddingSize}, weights ${(report.model.files.weightBytes / 1e6).toFixed(2)} MB`,
    `train crops: ${JSON.stringify(report.data.trainCrops)}`,
    `evaluation: ${report.evaluation}`,
    `evaluation crops: ${JSON.stringify(report.data.evaluationCrops)}`,
    `6-class balanced accuracy ${pct(h.balancedAccuracy)} (95 % CI ${h.interval95.balancedAccuracy.map(pct).join('-')})`,
    `SPL-vs-rest AUROC (lesion crops): all ${pct(h.splVsRestAuroc.all)} (95 % CI ${h.interval95.splVsRestAuroc.map(pct).join('-')}), dermoscopic ${pct(h.splVsRestAuroc.dermoscopic)}, wide-field ${pct(h.splVsRestAuroc.widefield)}`,
    `recall per class: ${Object.entries(h.perClass).map(([k, v]) => `${k} ${pct(v.recall)}`).join(', ')}`,
  ];
  return lines.join('\n');
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

export { main };
