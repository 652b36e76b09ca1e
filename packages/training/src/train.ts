import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assembleModel, OUTPUT_NAMES } from './assemble.js';
import { CLASS_NAMES, NUM_CLASSES } from './classes.js';
import { cropsOfRecords, DEFAULT_PLAN, type GeneratedCounts, evaluationCropsOfImage, generatedCrops, trainingCropsOfImage, type LabelledCrop, type TrainingPlan } from './dataset.js';
import { cropsToTensor, extractFeatures, type FeatureSet } from './features.js';
import { outOfFoldProbabilities, type HeadTrainer } from './cross-validation.js';
import { cacheKey, readCachedFeatures, writeCachedFeatures } from './feature-cache.js';
import { assignFolds } from './folds.js';
import { DEFAULT_HEAD, headProbabilities, trainHead, type HeadOptions, type TrainedHead } from './head.js';
import { readLabels, type Diagnosis, type IsicRecord } from './isic.js';
import { MANIFEST_FILE, parseManifest, type ModelManifest } from './manifest.js';
import { loadLayersModelFromFile } from './model-files.js';
import { loadNsfwjsMobileNetV2, nsfwjsMobileNetDir } from './nsfwjs-source.js';
import { createProgress, type ProgressStream } from './progress.js';
import { quickMetrics, type QuickMetrics } from './evaluate.js';
import { MODEL_JSON, saveLayersModel, type EncodingPolicy, type SavedModelFiles } from './save.js';
import { buildTrunk, LAST_FEATURE_LAYER } from './trunk.js';

export interface TrainOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly seed: number;
  readonly inputSize: number;
  /** Pooled layers concatenated into the embedding, the last trunk layer first. */
  readonly featureLayers: readonly string[];
  readonly plan: TrainingPlan;
  readonly head: HeadOptions;
  /**
   * Cross-validation folds (by image) for the reported metrics when labels.csv has no holdout
   * rows; with holdout rows the final model is evaluated on them instead.
   */
  readonly folds: number;
  /** Images per diagnosis and split (undefined = all): the --quick mode's small data set. */
  readonly imagesPerDiagnosis?: number;
  readonly generatedEvaluation: GeneratedCounts;
  readonly batchSize: number;
  readonly modelVersion: string;
  readonly progress: ProgressStream;
  /** Folder for cached trunk features (development); none when undefined. */
  readonly cacheDir?: string;
}

export const FULL_TRAINING: Omit<TrainOptions, 'dataDir' | 'outDir' | 'progress'> = {
  seed: 20170,
  inputSize: DEFAULT_PLAN.inputSize,
  featureLayers: [LAST_FEATURE_LAYER, 'block_13_expand_relu'],
  plan: DEFAULT_PLAN,
  head: DEFAULT_HEAD,
  folds: 4,
  generatedEvaluation: { backgrounds: 200, borders: 200, skin: 100 },
  batchSize: 32,
  modelVersion: '1',
};

/** A few images and epochs: exercises every step in seconds (CI). */
export const QUICK_TRAINING: Omit<TrainOptions, 'dataDir' | 'outDir' | 'progress'> = {
  ...FULL_TRAINING,
  imagesPerDiagnosis: 2,
  plan: {
    ...DEFAULT_PLAN,
    lesionViews: { nevus: 2, melanoma: 2, seborrheic_keratosis: 2 },
    skinViews: 1,
    generatedBackgrounds: 12,
    generatedBorders: 8,
    generatedSkin: 6,
  },
  head: { ...DEFAULT_HEAD, epochs: 3, ensemble: 2 },
  folds: 2,
  generatedEvaluation: { backgrounds: 6, borders: 6, skin: 4 },
  modelVersion: '0-quick',
};

export interface TrainingReport {
  readonly model: {
    readonly manifest: ModelManifest;
    readonly trunk: string;
    readonly featureLayers: readonly string[];
    readonly head: HeadOptions;
    readonly files: SavedModelFiles;
    /** Largest |p_saved - p_head| over evaluation crops: quantisation and assembly error. */
    readonly reloadMaxAbsDiff: number;
  };
  readonly data: {
    readonly devImages: Record<Diagnosis, number>;
    readonly holdoutImages: Record<Diagnosis, number>;
    readonly trainCrops: Record<string, number>;
    readonly trainCropsByKind: Record<string, number>;
    readonly evaluationCrops: Record<string, number>;
    readonly plan: TrainingPlan;
  };
  /** How the metrics were obtained: on holdout rows, or out-of-fold over the dev images. */
  readonly evaluation: string;
  readonly metrics: QuickMetrics;
  readonly seed: number;
  readonly seconds: Record<string, number>;
}

/**
 * Rebuilds the default model from scratch: crops and augmented views of the dev split, frozen
 * trunk features, a trained head, the assembled and quantised layers model, its manifest and
 * a report, all in `outDir`. Expects a TF.js backend to be selected already.
 */
export async function train(options: TrainOptions): Promise<TrainingReport> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return result;
  };
  const records = await readLabels(options.dataDir);
  const dev = limitPerDiagnosis(records.filter((r) => r.split === 'dev'), options.imagesPerDiagnosis);
  const holdout = limitPerDiagnosis(records.filter((r) => r.split === 'holdout'), options.imagesPerDiagnosis);
  const evalRecords = holdout.length > 0 ? holdout : dev;
  const trunk = await buildTrunk(loadNsfwjsMobileNetV2(), { inputSize: options.inputSize, featureLayers: options.featureLayers });
  const keyBase = { seed: options.seed, inputSize: options.inputSize, featureLayers: options.featureLayers };

  const trainSet = await timed('trainFeatures', () =>
    cachedFeatures(options, { ...keyBase, plan: options.plan, ids: dev.map((r) => r.imageId), set: 'train' }, () =>
      featuresWithProgress(options, 'features (train views)', dev.length + total(generatedOfPlan(options.plan)), trunk.model, async function* () {
        yield* cropsOfRecords(options.dataDir, dev, (index) => trainingCropsOfImage(index, options.plan, options.seed));
        yield* generatedCrops(generatedOfPlan(options.plan), options.inputSize, options.seed);
      }),
    ),
  );
  const evalSeed = options.seed + 1;
  const evalSet = await timed('evaluationFeatures', () =>
    cachedFeatures(options, { ...keyBase, generated: options.generatedEvaluation, ids: evalRecords.map((r) => r.imageId), set: 'eval' }, () =>
      featuresWithProgress(options, 'features (evaluation views)', evalRecords.length + total(options.generatedEvaluation), trunk.model, async function* () {
        yield* cropsOfRecords(options.dataDir, evalRecords, (index) => evaluationCropsOfImage(index, options.inputSize, evalSeed));
        yield* generatedCrops(options.generatedEvaluation, options.inputSize, evalSeed);
      }),
    ),
  );

  const headOptions = { ...options.head, seed: options.seed };
  let evalProbabilities: Float32Array | undefined;
  let evaluation: string;
  if (holdout.length === 0) {
    // No holdout rows: out-of-fold predictions, each image scored by a head that never saw it.
    const trainer: HeadTrainer = (set, head, label) => timed(label, () => trainWithProgress(options, label, set, head));
    const probabilities = await outOfFoldProbabilities(trainSet, evalSet, assignFolds(dev, options.folds), options.folds, headOptions, trainer);
    evalProbabilities = probabilities;
    evaluation = `${options.folds}-fold cross-validation by image over the ${dev.length} dev images (labels.csv has no holdout rows); generated crops dealt to folds by index; every crop scored by a head trained without its image`;
  } else {
    evaluation = `final model on the ${holdout.length} holdout images of labels.csv plus generated crops`;
  }
  const head = await timed('head', () => trainWithProgress(options, 'head (all dev images)', trainSet, headOptions));
  const metrics = quickMetrics(
    evalProbabilities ?? headProbabilities(head, evalSet.features, evalSet.count),
    evalSet.labels,
    evalSet.kinds,
    evalSet.groups,
    options.seed,
  );

  const model = assembleModel(trunk, head);
  const manifest = parseManifest({
    name: 'skinlesion-default',
    version: options.modelVersion,
    format: 'tfjs-layers',
    modelPath: MODEL_JSON,
    inputSize: options.inputSize,
    channelOrder: 'RGB',
    scaling: 'unit',
    classNames: [...CLASS_NAMES],
    outputs: { probabilities: OUTPUT_NAMES.probabilities, embedding: OUTPUT_NAMES.embedding },
    embeddingSize: trunk.featureSize,
    description:
      'MobileNetV2 trunk from nsfwjs 4.4.0 (MIT), frozen, BatchNorm folded, with a 6-class head trained on ISIC 2017 crops and generated backgrounds',
  } satisfies ModelManifest);
  const files = await timed('save', async () => {
    const saved = await saveLayersModel(model, options.outDir, encodingPolicy);
    await writeFile(path.join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(path.join(options.outDir, 'LICENSE-THIRD-PARTY'), await thirdPartyNotice());
    return saved;
  });
  const verifyCrops = await firstCrops(options.dataDir, evalRecords.slice(0, 8), options.inputSize, evalSeed);
  const reloadMaxAbsDiff = await verifyReload(path.join(options.outDir, MODEL_JSON), verifyCrops, head);

  const report: TrainingReport = {
    model: { manifest, trunk: 'nsfwjs 4.4.0 MobileNetV2 (dist/models/mobilenet_v2)', featureLayers: options.featureLayers, head: headOptions, files, reloadMaxAbsDiff },
    data: {
      devImages: countDiagnoses(dev),
      holdoutImages: countDiagnoses(holdout),
      trainCrops: countBy(Array.from(trainSet.labels, (l) => CLASS_NAMES[l] as string)),
      trainCropsByKind: countBy(trainSet.kinds),
      evaluationCrops: countBy(Array.from(evalSet.labels, (l) => CLASS_NAMES[l] as string)),
      plan: options.plan,
    },
    evaluation,
    metrics,
    seed: options.seed,
    seconds,
  };
  await writeFile(path.join(options.outDir, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  model.dispose();
  return report;
}

async function cachedFeatures(options: TrainOptions, keyParts: unknown, compute: () => Promise<FeatureSet>): Promise<FeatureSet> {
  if (options.cacheDir === undefined) return compute();
  const key = cacheKey(keyParts);
  const cached = await readCachedFeatures(options.cacheDir, key);
  if (cached !== undefined) return cached;
  const set = await compute();
  await writeCachedFeatures(options.cacheDir, key, set);
  return set;
}

async function trainWithProgress(options: TrainOptions, label: string, set: FeatureSet, head: HeadOptions): Promise<TrainedHead> {
  const bar = createProgress(options.progress, label, head.epochs * Math.max(1, head.ensemble));
  const trained = await trainHead(set, NUM_CLASSES, head, (epoch, loss) => bar.update(epoch, `loss ${loss.toFixed(4)}`));
  bar.finish();
  return trained;
}

async function firstCrops(dataDir: string, records: readonly IsicRecord[], inputSize: number, seed: number): Promise<LabelledCrop[]> {
  const out: LabelledCrop[] = [];
  for await (const crop of cropsOfRecords(dataDir, records, (index) => evaluationCropsOfImage(index, inputSize, seed))) out.push(crop);
  return out;
}

/**
 * Storage of each weight: the trunk's folded convolution kernels in float16 (per-tensor uint8
 * would crush the channels that BatchNorm folding scaled down: measured 23 % relative feature
 * error against 0.1 % for float16), the head and every small tensor in float32.
 */
export const encodingPolicy: EncodingPolicy = (name, values) =>
  values.length < 4096 || name.startsWith(`${OUTPUT_NAMES.probabilities}/`) || name.startsWith('head_') ? 'float32' : 'float16';

function limitPerDiagnosis(records: IsicRecord[], limit: number | undefined): IsicRecord[] {
  if (limit === undefined) return records;
  const seen = new Map<Diagnosis, number>();
  return records.filter((r) => {
    const n = seen.get(r.diagnosis) ?? 0;
    seen.set(r.diagnosis, n + 1);
    return n < limit;
  });
}

async function featuresWithProgress(
  options: TrainOptions,
  label: string,
  units: number,
  model: tf.LayersModel,
  crops: () => AsyncGenerator<LabelledCrop>,
): Promise<FeatureSet> {
  // Units: one per photo, one per generated crop.
  const bar = createProgress(options.progress, label, units);
  let done = 0;
  let lastGroup = '';
  const counted = async function* (): AsyncGenerator<LabelledCrop> {
    for await (const crop of crops()) {
      if (crop.group === 'generated' || crop.group !== lastGroup) {
        lastGroup = crop.group;
        done++;
      }
      yield crop;
    }
  };
  const set = await extractFeatures(model, counted(), {
    batchSize: options.batchSize,
    onBatch: (crops) => bar.update(Math.min(done, units), `${crops} crops`),
  });
  bar.finish(`${set.count} crops`);
  return set;
}

/** Reloads the written model from disk and compares it with the head evaluated in JS. */
async function verifyReload(modelJsonPath: string, crops: readonly LabelledCrop[], head: TrainedHead): Promise<number> {
  if (crops.length === 0) return 0;
  const reloaded = await loadLayersModelFromFile(modelJsonPath);
  const input = cropsToTensor(crops.map((c) => c.image));
  const [probs, embedding] = reloaded.predict(input) as tf.Tensor[];
  if (probs === undefined || embedding === undefined) throw new Error('reloaded model lacks its two outputs');
  const saved = (await probs.data()) as Float32Array;
  const expected = headProbabilities(head, (await embedding.data()) as Float32Array, crops.length);
  tf.dispose([input, probs, embedding]);
  reloaded.dispose();
  let max = 0;
  for (let i = 0; i < saved.length; i++) max = Math.max(max, Math.abs((saved[i] as number) - (expected[i] as number)));
  if (max > 1e-3) throw new Error(`saved model disagrees with the trained head by ${max}`);
  return max;
}

async function thirdPartyNotice(): Promise<string> {
  const licence = await readFile(path.join(nsfwjsMobileNetDir(), '..', '..', '..', 'LICENSE'), 'utf8');
  return [
    'The convolutional trunk of this model (layers Conv1 to out_relu, weights and topology) is the',
    'MobileNetV2 of the nsfwjs npm package, version 4.4.0 (dist/models/mobilenet_v2), by Infinite Red,',
    'Inc., https://github.com/infinitered/nsfwjs, used under the MIT licence below. Changes: the',
    'classification head was removed, BatchNormalization layers were folded into the convolutions,',
    'the input size was changed and the weights were re-encoded as float16.',
    '',
    licence.trim(),
    '',
  ].join('\n');
}

function generatedOfPlan(plan: TrainingPlan): GeneratedCounts {
  return { backgrounds: plan.generatedBackgrounds, borders: plan.generatedBorders, skin: plan.generatedSkin };
}

function total(counts: GeneratedCounts): number {
  return counts.backgrounds + counts.borders + counts.skin;
}

function countBy(values: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function countDiagnoses(records: readonly IsicRecord[]): Record<Diagnosis, number> {
  const out: Record<Diagnosis, number> = { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 };
  for (const r of records) out[r.diagnosis]++;
  return out;
}
