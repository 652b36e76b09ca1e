#!/usr/bin/env node
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_EVALUATION, evaluate, writeEvaluation } from './eval.js';
import { renderEvaluationMarkdown } from './eval-report.js';
import { CLASSIFIER_RAW_BENCH, DEFAULT_DATA_DIR, DEFAULT_DOCS_DIR, DEFAULT_MODEL_DIR } from './repo-paths.js';

export const EVAL_USAGE = `usage: node packages/training/dist/eval-cli.js [--model DIR] [--data DIR] [--docs DIR] [--photos N] [--replicas N] [--bench-seconds S] [--resamples N]

  --model DIR          model folder (default: services/classifier/models/default)
  --data DIR           ISIC-style data folder (default: ../shared/data/isic2017 from the repository root)
  --docs DIR           where evaluation.md and evaluation.json go (default: docs)
  --photos N           generated wide-field photos through the running system (default 50; 0 skips)
  --replicas N         classifier processes (default 2)
  --bench-seconds S    seconds per runtime and batch size for the inference cost (default 5; 0 skips)
  --resamples N        bootstrap resamples (default 1000)

Needs the services built (pnpm build): the wide-field part starts them as processes.`;

export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        model: { type: 'string', default: DEFAULT_MODEL_DIR },
        data: { type: 'string', default: DEFAULT_DATA_DIR },
        docs: { type: 'string', default: DEFAULT_DOCS_DIR },
        photos: { type: 'string', default: String(DEFAULT_EVALUATION.photos) },
        replicas: { type: 'string', default: String(DEFAULT_EVALUATION.classifierReplicas) },
        'bench-seconds': { type: 'string', default: String(DEFAULT_EVALUATION.benchSeconds) },
        resamples: { type: 'string', default: String(DEFAULT_EVALUATION.resamples) },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${EVAL_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  const count = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${text}`);
    return n;
  };
  let photos: number;
  let replicas: number;
  let resamples: number;
  let benchSeconds: number;
  try {
    photos = count('photos', values.photos, 0);
    replicas = count('replicas', values.replicas, 1);
    resamples = count('resamples', values.resamples, 100);
    benchSeconds = Number(values['bench-seconds']);
    if (!(benchSeconds >= 0)) throw new Error(`--bench-seconds must be a number >= 0, got ${values['bench-seconds']}`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${EVAL_USAGE}\n`);
    return 2;
  }
  const report = await evaluate({
    ...DEFAULT_EVALUATION,
    modelDir: path.resolve(values.model),
    dataDir: path.resolve(values.data),
    photos,
    classifierReplicas: replicas,
    benchSeconds,
    resamples,
    benchCli: CLASSIFIER_RAW_BENCH,
    progress: process.stderr,
  });
  const docs = path.resolve(values.docs);
  await writeEvaluation(docs, report, renderEvaluationMarkdown(report));
  for (const t of report.targets) {
    process.stdout.write(`${t.met ? 'met    ' : 'NOT met'} ${t.name}: ${t.value.toFixed(3)}${t.interval ? ` (${t.interval[0].toFixed(3)}-${t.interval[1].toFixed(3)})` : ''}, target ${t.target}\n`);
  }
  process.stdout.write(`wrote ${path.join(docs, 'evaluation.md')} and evaluation.json\n`);
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
