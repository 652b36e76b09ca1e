import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, USAGE } from './args.js';
import { killAll } from './children.js';
import { imageMaker, PATCH_OPTIONS, type BenchContext } from './context.js';
import { estimateBlobs, runBlobs } from './experiments/blobs.js';
import { estimateE2e, runE2e } from './experiments/e2e.js';
import { estimateGrpc, runGrpc } from './experiments/grpc.js';
import { estimateOverload, runOverload } from './experiments/overload.js';
import { estimateRaw, runRaw } from './experiments/raw.js';
import { estimateScaleout, runScaleout } from './experiments/scaleout.js';
import { h2loadClientMaker } from './h2load.js';
import { describeMachine, loadAverage } from './machine.js';
import { onnxModelDir } from './model-dir.js';
import { makePlan, type BenchPlan } from './plan.js';
import { ProgressBar, formatDuration } from './progress.js';
import { QuietMeasurer } from './quiet.js';
import { chartsOf } from './report/charts.js';
import { renderMarkdown } from './report/markdown.js';
import { renderDocument } from './report/svg.js';
import { evaluateTargets } from './targets.js';
import { EXPERIMENT_IDS, type BenchResults, type ExperimentId } from './types.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The builds the benchmark runs: without them it would fail minutes in. */
const REQUIRED_BUILDS = [
  'services/gateway/dist/main.js',
  'services/tiler/dist/main.js',
  'services/classifier/dist/main.js',
  'services/ugly-duckling/dist/main.js',
  'services/classifier/dist/bench/load-cli.js',
  'services/classifier/dist/bench/raw-cli.js',
  'services/tiler/dist/tools/blob-agreement.js',
];

/** Variables that change what the services do, recorded with the results. */
const RELEVANT_ENV = /^(CLASSIFIER_|GATEWAY_|TILER_|UGLY_DUCKLING_|MODEL_DIR$|REQUEST_TIMEOUT_MS$|CLASSIFY_CHUNK$|MAX_UPLOAD_BYTES$|GRPC_MAX_MESSAGE_BYTES$|UV_THREADPOOL_SIZE$)/;

interface Experiment {
  readonly id: ExperimentId;
  estimate(plan: BenchPlan, cores: number): number;
  run(context: BenchContext, results: BenchResults): Promise<void>;
}

/** In the order they run: the cheap in-process limits first, overload last (it leaves the most behind). */
const EXPERIMENTS: readonly Experiment[] = [
  { id: 'raw', estimate: estimateRaw, run: async (c, r) => void (r.raw = await runRaw(c)) },
  { id: 'grpc', estimate: estimateGrpc, run: async (c, r) => void (r.grpc = await runGrpc(c)) },
  { id: 'e2e', estimate: estimateE2e, run: async (c, r) => void (r.e2e = await runE2e(c)) },
  { id: 'blobs', estimate: estimateBlobs, run: async (c, r) => void (r.blobs = await runBlobs(c)) },
  { id: 'scaleout', estimate: estimateScaleout, run: async (c, r) => void (r.scaleout = await runScaleout(c)) },
  { id: 'overload', estimate: estimateOverload, run: async (c, r) => void (r.overload = await runOverload(c)) },
];

async function checkBuilds(): Promise<void> {
  const missing: string[] = [];
  for (const file of REQUIRED_BUILDS) {
    try {
      await access(path.join(REPO, file));
    } catch {
      missing.push(file);
    }
  }
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')}; run pnpm build (pnpm bench does)`);
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.from !== undefined) {
    await render(options.from, options.out);
    return;
  }
  await checkBuilds();
  const complete = !options.quick && options.only.length === EXPERIMENT_IDS.length;
  const out = path.resolve(options.out ?? (complete ? path.join(REPO, 'docs') : path.join(tmpdir(), 'skinlesion-bench')));
  const plan = makePlan(options.quick);
  const machine = describeMachine();
  const model = await onnxModelDir();
  const selected = EXPERIMENTS.filter((experiment) => options.only.includes(experiment.id));
  const expectedSeconds = selected.reduce((sum, experiment) => sum + experiment.estimate(plan, machine.cores), 0);
  const progress = new ProgressBar(expectedSeconds);
  const results: BenchResults = {
    schema: 1,
    startedAt: new Date().toISOString(),
    quick: options.quick,
    experiments: selected.map((experiment) => experiment.id),
    machine,
    model: { name: model.name, version: model.version, inputSize: model.inputSize, onnxManifestPatched: model.patched },
    environment: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => RELEVANT_ENV.test(entry[0]) && entry[1] !== undefined)),
    notes: [],
  };
  const loadClients = h2loadClientMaker(model.inputSize);
  const context: BenchContext = {
    plan,
    model,
    machine,
    progress,
    quiet: new QuietMeasurer(undefined, (text) => progress.note(text)),
    note: (text) => {
      results.notes.push(text);
      progress.note(`note: ${text}`);
    },
    photo: imageMaker(plan.e2e.photo),
    patch: imageMaker(PATCH_OPTIONS),
    loadClient: () => loadClients.client(),
  };
  if (machine.loadAverageBefore[0] >= 1) context.note(`the 1-minute load average was ${machine.loadAverageBefore[0]} when the run started: other work shared the ${machine.cores} cores`);
  progress.note(`skinlesion bench${options.quick ? ' --quick' : ''}: ${selected.map((e) => e.id).join(', ')} on ${machine.cores} cores (${machine.cpuModel}); about ${formatDuration(expectedSeconds)}`);

  const started = performance.now();
  try {
    for (const experiment of selected) {
      try {
        await experiment.run(context, results);
      } catch (error) {
        context.note(`experiment ${experiment.id} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        await killAll();
      }
    }
  } finally {
    progress.finish();
    await loadClients.release();
    await model.release();
  }
  results.notes.push(...context.quiet.summary());
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  machine.loadAverageAfter = loadAverage();
  results.targets = evaluateTargets(results);

  await writeReport(results, out);
  process.stdout.write(`\nwrote ${path.join(out, 'benchmarks.md')}, .json and .svg in ${formatDuration(results.durationSeconds)}\n\n`);
  printTargets(results);
}

/** benchmarks.json, .md and .svg of a run into `out`. */
async function writeReport(results: BenchResults, out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(out, 'benchmarks.md'), renderMarkdown(results));
  await writeFile(path.join(out, 'benchmarks.svg'), renderDocument(`skinlesion benchmarks, ${results.machine.cores} cores${results.quick ? ' (quick smoke run)' : ''}`, chartsOf(results)));
}

/**
 * --from: the report of an earlier run written again from its benchmarks.json, without
 * measuring (targets judged again), e.g. after the report's wording changed.
 */
async function render(file: string, out: string | undefined): Promise<void> {
  const results = JSON.parse(await readFile(file, 'utf8'), (_key, value: unknown) => (value === null ? Number.NaN : value)) as BenchResults;
  if (results.schema !== 1) throw new Error(`${file} is not a benchmarks.json of this tool (schema ${String(results.schema)})`);
  results.targets = evaluateTargets(results);
  const folder = path.resolve(out ?? path.dirname(file));
  await writeReport(results, folder);
  process.stdout.write(`wrote ${path.join(folder, 'benchmarks.md')}, .json and .svg from ${file} (measured ${results.startedAt})\n\n`);
  printTargets(results);
}

function printTargets(results: BenchResults): void {
  for (const target of results.targets ?? []) {
    const value = Number.isFinite(target.value) ? target.value.toFixed(target.unit === 'x' ? 2 : 3) : '–';
    process.stdout.write(`  ${target.verdict.padEnd(7)} ${value.padStart(7)} ${target.unit.padEnd(3)} ${target.target}\n`);
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping every process the benchmark started\n`);
    void killAll().finally(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  await killAll();
  process.stderr.write(`\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
