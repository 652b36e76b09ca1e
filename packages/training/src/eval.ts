import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fingerprintModelFiles, SOURCE_FINGERPRINT_KEY, type Manifest } from '@skinlesion/model-manifest';
import { decodeModel } from '@skinlesion/onnx-export';
import { startStack } from '@skinlesion/stack';
import { makeWidefieldPhoto, type SynthPhoto } from '@skinlesion/synth';
import { cropsOfRecords, evaluationCropsOfImage, generatedCrops, type GeneratedCounts, type LabelledCrop } from './dataset.js';
import { checkTargets, type EvaluationReport } from './eval-report.js';
import { cropMetrics, type CropMetrics, type SplThreshold } from './evaluate.js';
import { COST_SCENARIO, runRawBench, runtimeCost, type RuntimeCost } from './inference-cost.js';
import { readLabels, type Diagnosis, type IsicRecord } from './isic.js';
import { readManifestFile } from './manifest.js';
import { modelInput } from './model-input.js';
import { createProgress, type ProgressStream } from './progress.js';
import { createRng, hashSeed } from './rng.js';
import { splitRecords } from './split.js';
import { TRAINING_REPORT_FILE, type TrainingReport } from './train.js';
import { scorePhoto, widefieldMetrics, type AnalysedLesion, type PhotoOutcome } from './widefield.js';

export interface EvaluationOptions {
  readonly modelDir: string;
  readonly dataDir: string;
  /** Generated wide-field photos to send through the running system (0 skips that part). */
  readonly photos: number;
  readonly photoSize: { readonly width: number; readonly height: number };
  /** Lesions per photo, drawn per photo in [min, max]. */
  readonly lesionsPerPhoto: { readonly min: number; readonly max: number };
  readonly classifierReplicas: number;
  /** Seconds per runtime and batch size for the inference cost (0 skips it). */
  readonly benchSeconds: number;
  /** The classifier's raw bench script (services/classifier/dist/bench/raw-cli.js). */
  readonly benchCli: string;
  readonly resamples: number;
  readonly seed: number;
  readonly progress: ProgressStream;
  /** Where the services' log lines go; undefined drops them. */
  readonly serviceOutput?: NodeJS.WritableStream;
}

export const DEFAULT_EVALUATION: Omit<EvaluationOptions, 'modelDir' | 'dataDir' | 'benchCli' | 'progress'> = {
  photos: 50,
  photoSize: { width: 1600, height: 1200 },
  lesionsPerPhoto: { min: 15, max: 25 },
  classifierReplicas: 2,
  benchSeconds: 5,
  resamples: 1000,
  // Never used by the training command (20170 and 20171).
  seed: 31337,
};

/** Generated crops beside the held-out photos' crops: background, border and skin never seen in training. */
const GENERATED_HELD_OUT: GeneratedCounts = { backgrounds: 200, borders: 200, skin: 100 };

/**
 * Measures a model folder as issue 3 asks: (a) the shipped model on held-out ISIC crops, (b)
 * generated wide-field photos through the real system (all four services as processes, the
 * classifier on ONNX Runtime), (c) the inference cost per core on both runtimes.
 */
export async function evaluate(options: EvaluationOptions): Promise<EvaluationReport> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return result;
  };
  const manifest = await readManifestFile(options.modelDir);
  const training = await readTrainingReport(options.modelDir);
  const hasData = existsSync(path.join(options.dataDir, 'labels.csv'));
  const split = hasData ? splitRecords(await readLabels(options.dataDir)) : undefined;
  if (split && training && !sameIds(training.data.heldOutIds, split.heldOut.map((r) => r.imageId))) {
    throw new Error(`the model in ${options.modelDir} was trained with another held-out split than ${options.dataDir} gives: its held-out figures would be meaningless`);
  }

  let heldOut: CropMetrics | undefined;
  if (split && split.heldOut.length > 0) {
    const threshold: SplThreshold = training?.splThreshold ?? { value: 0.5, source: 'no training report beside the model: 0.5' };
    heldOut = await timed('heldOutCrops', () => heldOutCropMetrics(options, manifest, split.heldOut, threshold));
  }

  let widefield: EvaluationReport['widefield'];
  let endToEnd: NonNullable<EvaluationReport['cost']>['endToEnd'];
  if (options.photos > 0) {
    const result = await timed('widefield', () => runWidefield(options, split?.heldOut ?? []));
    widefield = result.widefield;
    endToEnd = result.endToEnd;
  }

  let cost: EvaluationReport['cost'];
  if (options.benchSeconds > 0) {
    const runtimes = await timed('cost', async (): Promise<RuntimeCost[]> => {
      const out: RuntimeCost[] = [];
      for (const runtime of ['onnx', 'tfjs'] as const) {
        const bar = createProgress(options.progress, `inference cost (${runtime})`, 1);
        out.push(runtimeCost(await runRawBench(options.benchCli, options.modelDir, runtime, options.benchSeconds)));
        bar.finish();
      }
      return out;
    });
    cost = { runtimes, scenario: COST_SCENARIO, loadAverage: os.loadavg(), ...(endToEnd ? { endToEnd } : {}) };
  }

  const trainRecords = split?.train ?? [];
  const partial = { heldOut, widefield, cost };
  return {
    date: new Date().toISOString().slice(0, 10),
    model: { dir: path.relative(process.cwd(), options.modelDir) || '.', name: manifest.name, version: manifest.version, inputSize: manifest.inputSize, embeddingSize: manifest.embeddingSize },
    data: {
      dir: path.relative(process.cwd(), options.dataDir),
      splitRule: split?.rule ?? 'no data folder',
      trainImages: countDiagnoses(trainRecords),
      heldOutImages: countDiagnoses(split?.heldOut ?? []),
    },
    ...(heldOut ? { heldOut } : {}),
    ...(training ? { crossValidation: training.crossValidation } : {}),
    ...(widefield ? { widefield } : {}),
    ...(cost ? { cost } : {}),
    targets: checkTargets(partial),
    seconds,
  };
}

async function readTrainingReport(modelDir: string): Promise<TrainingReport | undefined> {
  const file = path.join(modelDir, TRAINING_REPORT_FILE);
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(await readFile(file, 'utf8')) as Partial<TrainingReport>;
  // Reports of older training commands lack these; they are then treated as absent.
  return report.crossValidation && report.splThreshold && report.data?.heldOutIds ? (report as TrainingReport) : undefined;
}

/**
 * The shipped model's ONNX export on ONNX Runtime (the served runtime), after checking it was
 * exported from the TF.js files beside it, on the canonical crops of the held-out photos and on
 * generated crops.
 */
async function heldOutCropMetrics(options: EvaluationOptions, manifest: Manifest, records: readonly IsicRecord[], threshold: SplThreshold): Promise<CropMetrics> {
  if (manifest.onnx === undefined) throw new Error('the manifest names no ONNX export');
  const onnxPath = path.resolve(options.modelDir, manifest.onnx.modelPath);
  const bytes = new Uint8Array(await readFile(onnxPath));
  const recorded = decodeModel(bytes).metadata_props.find((p) => p.key === SOURCE_FINGERPRINT_KEY)?.value;
  if (recorded !== (await fingerprintModelFiles(path.resolve(options.modelDir, manifest.modelPath)))) {
    throw new Error(`${onnxPath} is stale: it was not exported from the TF.js model beside it`);
  }
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  const size = manifest.inputSize;
  const probabilities: number[] = [];
  const labels: number[] = [];
  const kinds: LabelledCrop['kind'][] = [];
  const groups: string[] = [];
  const bar = createProgress(options.progress, 'held-out crops', records.length + 1);
  const score = async (crops: readonly LabelledCrop[]): Promise<void> => {
    for (let start = 0; start < crops.length; start += 32) {
      const batch = crops.slice(start, start + 32);
      const input = new ort.Tensor('float32', modelInput(batch.map((c) => c.image), manifest), [batch.length, size, size, 3]);
      const result = await session.run({ input }, ['probabilities']);
      probabilities.push(...(result['probabilities']?.data as Float32Array));
      for (const c of batch) {
        labels.push(c.label);
        kinds.push(c.kind);
        groups.push(c.group);
      }
    }
  };
  try {
    let done = 0;
    for (const record of records) {
      const crops: LabelledCrop[] = [];
      for await (const crop of cropsOfRecords(options.dataDir, [record], (index) => evaluationCropsOfImage(index, size, options.seed))) crops.push(crop);
      await score(crops);
      bar.update(++done);
    }
    await score([...generatedCrops(GENERATED_HELD_OUT, size, options.seed)]);
    bar.finish(`${labels.length} crops`);
  } finally {
    await session.release();
  }
  return cropMetrics(
    { probabilities: Float32Array.from(probabilities), labels: Int32Array.from(labels), kinds, groups },
    { threshold, resamples: options.resamples, seed: options.seed },
  );
}

/**
 * A view of the data folder in which exactly the held-out images form the `holdout` split, so
 * that the photo maker draws its lesions from photos the model never saw: a labels.csv of its
 * own beside links to the images and masks.
 */
async function heldOutLesionFolder(dataDir: string, heldOut: readonly IsicRecord[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skinlesion-heldout-'));
  const ids = new Set(heldOut.map((r) => r.imageId));
  const rows = ['image_id,diagnosis,split', ...(await readLabels(dataDir)).map((r) => `${r.imageId},${r.diagnosis},${ids.has(r.imageId) ? 'holdout' : 'dev'}`)];
  await writeFile(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
  await symlink(path.resolve(dataDir, 'images'), path.join(dir, 'images'), 'dir');
  await symlink(path.resolve(dataDir, 'masks'), path.join(dir, 'masks'), 'dir');
  return dir;
}

interface AnalysisAnswer {
  readonly lesions: readonly AnalysedLesion[];
  readonly timingsMs: Readonly<Record<string, number>>;
}

async function analyse(url: string, photo: SynthPhoto): Promise<AnalysisAnswer> {
  const form = new FormData();
  form.append('image', new Blob([photo.image], { type: photo.format === 'png' ? 'image/png' : 'image/jpeg' }), `photo.${photo.format === 'png' ? 'png' : 'jpg'}`);
  const response = await fetch(`${url}/v1/analyses`, { method: 'POST', body: form });
  if (response.status !== 200) throw new Error(`POST /v1/analyses answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  return (await response.json()) as AnalysisAnswer;
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`the system at ${url} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Generated photos (seeded; lesion count per photo drawn in the configured range) sent one at a
 * time through the whole system: tiler, classifier replicas on ONNX Runtime, ugly-duckling,
 * gateway, each its own process. Then one 12-megapixel photo with 100 planted lesions, for the
 * end-to-end time.
 */
async function runWidefield(
  options: EvaluationOptions,
  heldOut: readonly IsicRecord[],
): Promise<{ widefield: NonNullable<EvaluationReport['widefield']>; endToEnd: NonNullable<NonNullable<EvaluationReport['cost']>['endToEnd']> }> {
  const lesionDir = heldOut.length > 0 ? await heldOutLesionFolder(options.dataDir, heldOut) : undefined;
  const source = lesionDir ? { dataDir: lesionDir, split: 'holdout' as const } : {};
  const stack = await startStack({
    classifierReplicas: options.classifierReplicas,
    gatewayPort: 0,
    env: { CLASSIFIER_RUNTIME: 'onnx', MODEL_DIR: options.modelDir, LOG_LEVEL: 'warn' },
    ...(options.serviceOutput ? { output: options.serviceOutput } : {}),
  });
  try {
    await waitUntilReady(stack.url, 120_000);
    const outcomes: PhotoOutcome[] = [];
    const bar = createProgress(options.progress, 'wide-field photos', options.photos);
    for (let i = 0; i < options.photos; i++) {
      const seed = hashSeed(options.seed, i + 1);
      const { min, max } = options.lesionsPerPhoto;
      const lesions = createRng(seed).int(min, max);
      const photo = await makeWidefieldPhoto({ ...options.photoSize, lesions, seed, ...source });
      const answer = await analyse(stack.url, photo);
      outcomes.push(scorePhoto(photo.lesions, answer.lesions));
      bar.update(i + 1, `recall so far ${(outcomes.reduce((a, o) => a + o.found, 0) / outcomes.reduce((a, o) => a + o.planted, 0)).toFixed(3)}`);
    }
    bar.finish();
    const big = await makeWidefieldPhoto({ width: 4000, height: 3000, lesions: COST_SCENARIO.candidates, seed: hashSeed(options.seed, 0), ...source });
    const answer = await analyse(stack.url, big);
    return {
      widefield: {
        description: `${options.photos} photos of ${options.photoSize.width} x ${options.photoSize.height} px made by @skinlesion/synth (makeWidefieldPhoto, seeds derived from ${options.seed}), ${options.lesionsPerPhoto.min}-${options.lesionsPerPhoto.max} lesions each (14-60 px), one planted odd lesion per photo (about twice the size of its look-alike family, a melanoma when the lesions are real), sent one at a time as POST /v1/analyses to the running system: gateway, tiler, ${options.classifierReplicas} classifier replicas and ugly-duckling as separate processes (startStack).`,
        lesionSource: lesionDir
          ? `real lesions cut from the ${heldOut.length} held-out ISIC images (never seen by the model), nevi as the family and a melanoma as the odd one`
          : 'procedurally drawn lesions (no held-out ISIC images available)',
        runtime: 'classifier on ONNX Runtime (CLASSIFIER_RUNTIME=onnx), the model folder evaluated',
        metrics: widefieldMetrics(outcomes, { resamples: options.resamples, seed: options.seed }),
      },
      endToEnd: { width: big.width, height: big.height, candidates: answer.lesions.length, timingsMs: answer.timingsMs },
    };
  } finally {
    await stack.stop();
    if (lesionDir) await rm(lesionDir, { recursive: true, force: true });
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.length === sb.length && sa.every((id, i) => id === sb[i]);
}

function countDiagnoses(records: readonly IsicRecord[]): Record<Diagnosis, number> {
  const out: Record<Diagnosis, number> = { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 };
  for (const r of records) out[r.diagnosis]++;
  return out;
}

/** Writes evaluation.json and evaluation.md into `docsDir`. */
export async function writeEvaluation(docsDir: string, report: EvaluationReport, markdown: string): Promise<void> {
  await mkdir(docsDir, { recursive: true });
  await writeFile(path.join(docsDir, 'evaluation.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(docsDir, 'evaluation.md'), markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}
