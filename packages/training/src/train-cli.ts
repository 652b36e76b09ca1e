#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTrainArgs, TRAIN_USAGE } from './cli-args.js';
import type { Estimate } from './stats.js';
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
    runtime: args.runtime,
    dataDir: path.resolve(args.dataDir),
    outDir: path.resolve(args.outDir),
    progress: process.stderr,
    ...(args.cacheDir === undefined ? {} : { cacheDir: path.resolve(args.cacheDir) }),
  });
  process.stdout.write(`${summary(report)}\n`);
  return 0;
}

function summary(report: TrainingReport): string {
  const m = report.crossValidation.metrics;
  const f = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  const e = (x: Estimate): string => `${f(x.value)} (95 % CI ${f(x.low)}-${f(x.high)})`;
  const manifest = report.model.manifest;
  return [
    `model ${manifest.name} v${manifest.version}: ${manifest.inputSize} px, embedding ${manifest.embeddingSize}, weights ${(report.model.files.weightBytes / 1e6).toFixed(2)} MB, ONNX ${(report.model.onnx.bytes / 1e6).toFixed(2)} MB (max |ONNX - TF.js| ${report.model.onnx.maxAbsDiff.toExponential(1)})`,
    `split: ${report.data.splitRule}; training images ${JSON.stringify(report.data.trainImages)}, held out ${JSON.stringify(report.data.heldOutImages)}`,
    `training crops: ${JSON.stringify(report.data.trainCrops)}`,
    `cross-validation: ${report.crossValidation.description}`,
    `6-class balanced accuracy ${e(m.balancedAccuracy)}`,
    `SPL-vs-rest AUROC (lesion crops) ${e(m.splVsRest.auroc)}; dermoscopic ${f(m.splVsRest.aurocDermoscopic.value)}, wide-field ${f(m.splVsRest.aurocWidefield.value)}`,
    `threshold p(spl) >= ${f(report.splThreshold.value)}: sensitivity ${f(m.splVsRest.sensitivity.value)}, specificity ${f(m.splVsRest.specificity.value)}`,
    `recall per class: ${Object.entries(m.perClass).map(([k, v]) => `${k} ${f(v.recall.value)}`).join(', ')}`,
    `seconds: ${JSON.stringify(report.seconds)}`,
  ].join('\n');
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
