import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportModelDir } from '@skinlesion/onnx-export';
import { assembleModel, OUTPUT_NAMES } from './assemble.js';
import { CLASS_NAMES, NUM_CLASSES } from './classes.js';
import { outOfFoldProbabilities, type HeadTrainer } from './cross-validation.js';
import { cropsOfRecords, DEFAULT_PLAN, evaluationCropsOfImage, generatedCrops, trainingCropsOfImage, type GeneratedCounts, type LabelledCrop, type TrainingPlan } from './dataset.js';
import { cropMetrics, lesionScores, type CropMetrics, type SplThreshold } from './evaluate.js';
import { createExtractor, type ExtractorRuntime, type FeatureExtractor } from './extractor.js';
import { cacheKey, readCachedFeatures, writeCachedFeatures } from './feature-cache.js';
import { cropsToTensor, extractFeatures, writeCrops, type FeatureSet } from './features.js';
import { assignFolds } from './folds.js';
import { DEFAULT_HEAD, headProbabilities, headProgressUnits, trainHead, type HeadOptions, type TrainedHead } from './head.js';
import { readLabels, type Diagnosis, type IsicRecord } from './isic.js';
import { MANIFEST_FILE, parseManifest, type ManifestJson } from './manifest.js';
import { loadLayersModelFromFile } from './model-files.js';
import { loadNsfwjsMobileNetV2, nsfwjsMobileNetDir } from './nsfwjs-source.js';
import { createProgress, type ProgressStream } from './progress.js';
import { MODEL_JSON, saveLayersModel, type EncodingPolicy, type SavedModelFiles } from './save.js';
import { splitRecords } from './split.js';
import { youdenThreshold } from './stats.js';
import { buildTrunk, LAST_FEATURE_LAYER } from './trunk.js';

/** The ONNX export's file name beside model.json, as the manifest names it. */
export const ONNX_FILE = 'model.onnx';
export const TRAINING_REPORT_FILE = 'training-report.json';

export interface TrainOptions {
  readonly dataDir: string;
  readonly outDir: string;
  readonly seed: number;
  readonly inputSize: number;
  /** Pooled layers concatenated into the embedding, the last trunk layer first. */
  readonly featureLayers: readonly string[];
  readonly plan: TrainingPlan;
  readonly head: HeadOptions;
  /** Cross-validation folds (by image) over the training images, for the recorded out-of-fold figures and threshold. */
  readonly folds: number;
  /** Images per diagnosis and split (undefined = all): the --quick mode's small data set. */
  readonly imagesPerDiagnosis?: number;
  readonly generatedEvaluation: GeneratedCounts;
  readonly batchSize: number;
  readonly modelVersion: string;
  /** Runtime of the frozen trunk during feature extraction (ONNX Runtime is about 5 times faster). */
  readonly runtime: ExtractorRuntime;
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
  modelVersion: '3',
  runtime: 'onnx',
};

/** A few images and head iterations: exercises every step in seconds (CI). */
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
  head: { ...DEFAULT_HEAD, maxIterations: 15 },
  folds: 2,
  generatedEvaluation: { backgrounds: 6, borders: 6, skin: 4 },
  modelVersion: '0-quick',
};

export interface TrainingReport {
  readonly model: {
    readonly manifest: ManifestJson;
    readonly trunk: string;
    readonly featureLayers: readonly string[];
    readonly head: HeadOptions;
    readonly files: SavedModelFiles;
    /** Largest |p_saved - p_head| over check crops: float16 storage and assembly error. */
    readonly reloadMaxAbsDiff: number;
    /** The ONNX export: size, the TF.js fingerprint it records, largest output difference from TF.js. */
    readonly onnx: { readonly file: string; readonly bytes: number; readonly sourceFingerprint: string; readonly maxAbsDiff: number };
  };
  readonly data: {
    readonly splitRule: string;
    readonly trainImages: Record<Diagnosis, number>;
    readonly heldOutImages: Record<Diagnosis, number>;
    /** The images the model never saw, for the evaluation command to check it uses the same split. */
    readonly heldOutIds: readonly string[];
    readonly trainCrops: Record<string, number>;
    readonly trainCropsByKind: Record<string, number>;
    readonly crossValidationCrops: Record<string, number>;
    readonly plan: TrainingPlan;
  };
  /** Out-of-fold figures over the training images: every crop scored by a head trained without its photo. */
  readonly crossValidation: { readonly description: string; readonly metrics: CropMetrics };
  /** Operating point on p(spl) for sensitivity and specificity, chosen on the out-of-fold scores. */
  readonly splThreshold: SplThreshold;
  readonly seed: number;
  readonly seconds: Record<string, number>;
}

/**
 * Rebuilds the default model from scratch in `outDir`: crops and augmented views of the training
 * images (the held-out images of splitRecords are never read), frozen trunk features, a trained
 * head, the assembled float16 layers model, its ONNX export, the manifest naming both, the
 * third-party notice and a report. Expects a TF.js backend to be selected already.
 */
export async function train(options: TrainOptions): Promise<TrainingReport> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return result;
  };
  const split = splitRecords(await readLabels(options.dataDir));
  const trainRecords = limitPerDiagnosis(split.train, options.imagesPerDiagnosis);
  const trunk = await buildTrunk(loadNsfwjsMobileNetV2(), { inputSize: options.inputSize, featureLayers: options.featureLayers });
  const extractor = await createExtractor(trunk.model, options.runtime);
  const keyBase = { seed: options.seed, inputSize: options.inputSize, featureLayers: options.featureLayers, runtime: options.runtime };
  const ids = trainRecords.map((r) => r.imageId);

  let trainSet: FeatureSet;
  let cvSet: FeatureSet;
  const evalSeed = options.seed + 1;
  try {
    trainSet = await timed('trainFeatures', () =>
      cachedFeatures(options, { ...keyBase, plan: options.plan, ids, set: 'train' }, () =>
        featuresWithProgress(options, 'features (training views)', trainRecords.length + total(generatedOfPlan(options.plan)), extractor, async function* () {
          yield* cropsOfRecords(options.dataDir, trainRecords, (index) => trainingCropsOfImage(index, options.plan, options.seed));
          yield* generatedCrops(generatedOfPlan(options.plan), options.inputSize, options.seed);
        }),
      ),
    );
    cvSet = await timed('crossValidationFeatures', () =>
      cachedFeatures(options, { ...keyBase, generated: options.generatedEvaluation, ids, set: 'cross-validation' }, () =>
        featuresWithProgress(options, 'features (canonical views)', trainRecords.length + total(options.generatedEvaluation), extractor, async function* () {
          yield* cropsOfRecords(options.dataDir, trainRecords, (index) => evaluationCropsOfImage(index, options.inputSize, evalSeed));
          yield* generatedCrops(options.generatedEvaluation, options.inputSize, evalSeed);
        }),
      ),
    );
  } finally {
    await extractor.dispose();
  }

  const headOptions = { ...options.head, seed: options.seed };
  const trainer: HeadTrainer = (set, head, label) => timed(label, () => trainWithProgress(options, label, set, head));
  const oof = await outOfFoldProbabilities(trainSet, cvSet, assignFolds(trainRecords, options.folds), options.folds, headOptions, trainer);
  const scored = { probabilities: oof, labels: cvSet.labels, kinds: cvSet.kinds, groups: cvSet.groups };
  const lesions = lesionScores(scored);
  const splThreshold: SplThreshold = {
    value: youdenThreshold(lesions.scores, lesions.positive).threshold,
    source: `Youden's J on the out-of-fold p(spl) of the training images' lesion crops (${options.folds}-fold cross-validation by image)`,
  };
  const crossValidation = {
    description: `${options.folds}-fold cross-validation by image over the ${trainRecords.length} training images: every crop is scored by a head trained without its photo (generated crops dealt to folds by index). The threshold is chosen on these same scores, so its sensitivity and specificity here are optimistic.`,
    metrics: cropMetrics(scored, { threshold: splThreshold, seed: options.seed }),
  };
  const head = await timed('head', () => trainWithProgress(options, 'head (all training images)', trainSet, headOptions));

  const model = assembleModel(trunk, head);
  const manifest: ManifestJson = {
    ...parseManifest({
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
      onnx: { modelPath: ONNX_FILE },
    }),
    description: `MobileNetV2 trunk from nsfwjs 4.4.0 (MIT), frozen, BatchNorm folded, ${options.inputSize} px, with a 6-class head trained on ISIC 2017 crops (held-out images excluded) and generated backgrounds`,
  };
  const { files, onnxExport } = await timed('save', async () => {
    // A stale export must not survive beside new weights, even if this run fails half-way.
    await rm(path.join(options.outDir, ONNX_FILE), { force: true });
    const saved = await saveLayersModel(model, options.outDir, encodingPolicy);
    await writeFile(path.join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(path.join(options.outDir, 'LICENSE-THIRD-PARTY'), await thirdPartyNotice());
    const exported = await exportModelDir(options.outDir);
    await writeFile(exported.defaultOut, exported.bytes);
    return { files: saved, onnxExport: exported };
  });
  model.dispose();

  const checkCrops = await canonicalCrops(options.dataDir, trainRecords.slice(0, 8), options.inputSize, evalSeed);
  const reloadMaxAbsDiff = await timed('verify', () => verifyReload(path.join(options.outDir, MODEL_JSON), checkCrops, head));
  const onnxMaxAbsDiff = await verifyOnnx(path.join(options.outDir, MODEL_JSON), onnxExport.defaultOut, checkCrops);

  const report: TrainingReport = {
    model: {
      manifest,
      trunk: 'nsfwjs 4.4.0 MobileNetV2 (dist/models/mobilenet_v2)',
      featureLayers: options.featureLayers,
      head: headOptions,
      files,
      reloadMaxAbsDiff,
      onnx: { file: ONNX_FILE, bytes: onnxExport.bytes.byteLength, sourceFingerprint: onnxExport.fingerprint, maxAbsDiff: onnxMaxAbsDiff },
    },
    data: {
      splitRule: split.rule,
      trainImages: countDiagnoses(trainRecords),
      heldOutImages: countDiagnoses(split.heldOut),
      heldOutIds: split.heldOut.map((r) => r.imageId).sort(),
      trainCrops: countBy(Array.from(trainSet.labels, (l) => CLASS_NAMES[l] as string)),
      trainCropsByKind: countBy(trainSet.kinds),
      crossValidationCrops: countBy(Array.from(cvSet.labels, (l) => CLASS_NAMES[l] as string)),
      plan: options.plan,
    },
    crossValidation,
    splThreshold,
    seed: options.seed,
    seconds,
  };
  await writeFile(path.join(options.outDir, TRAINING_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
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
  const bar = createProgress(options.progress, label, headProgressUnits(head));
  const trained = await trainHead(set, NUM_CLASSES, head, (epoch, loss) => bar.update(epoch, `loss ${loss.toFixed(4)}`));
  bar.finish();
  return trained;
}

async function canonicalCrops(dataDir: string, records: readonly IsicRecord[], inputSize: number, seed: number): Promise<LabelledCrop[]> {
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

function limitPerDiagnosis(records: readonly IsicRecord[], limit: number | undefined): IsicRecord[] {
  if (limit === undefined) return [...records];
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
  extractor: FeatureExtractor,
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
  const set = await extractFeatures(extractor, counted(), {
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
  const max = maxAbsDiff(saved, expected);
  if (max > 1e-3) throw new Error(`saved model disagrees with the trained head by ${max}`);
  return max;
}

/**
 * Runs the ONNX export on ONNX Runtime and compares both outputs with the saved TF.js model: the
 * export is what the classifier serves by default.
 */
async function verifyOnnx(modelJsonPath: string, onnxPath: string, crops: readonly LabelledCrop[]): Promise<number> {
  if (crops.length === 0) return 0;
  const first = crops[0] as LabelledCrop;
  const side = first.image.width;
  const input = new Float32Array(crops.length * side * side * 3);
  writeCrops(crops.map((c) => c.image), input);
  const reloaded = await loadLayersModelFromFile(modelJsonPath);
  const x = tf.tensor4d(input, [crops.length, side, side, 3]);
  const outs = reloaded.predict(x) as tf.Tensor[];
  const expected = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, ...outs]);
  reloaded.dispose();
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(onnxPath)), { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, [crops.length, side, side, 3]) }, ['probabilities', 'embedding']);
    const max = Math.max(
      maxAbsDiff(result['probabilities']?.data as Float32Array, expected[0] as Float32Array),
      maxAbsDiff(result['embedding']?.data as Float32Array, expected[1] as Float32Array) / Math.max(1, maxAbs(expected[1] as Float32Array)),
    );
    if (!(max <= 1e-3)) throw new Error(`the ONNX export disagrees with the TF.js model by ${max}`);
    return max;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function maxAbs(a: Float32Array): number {
  let max = 0;
  for (const v of a) max = Math.max(max, Math.abs(v));
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
