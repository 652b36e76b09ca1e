import * as tf from '@tensorflow/tfjs';
import type { CropKind, LabelledCrop } from './dataset.js';
import type { FeatureExtractor } from './extractor.js';
import type { RgbImage } from './image.js';

/** Trunk features of many crops, row-major [count, size], with each row's label and origin. */
export interface FeatureSet {
  readonly size: number;
  readonly count: number;
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly kinds: CropKind[];
  readonly groups: string[];
}

/** uint8 RGB crops -> float tensor [N, S, S, 3] scaled to 0..1 (the trunk's training scaling). */
export function cropsToTensor(images: readonly RgbImage[]): tf.Tensor4D {
  const first = images[0];
  if (first === undefined) throw new Error('cropsToTensor: no crops');
  const { width, height } = first;
  const per = width * height * 3;
  const data = new Float32Array(images.length * per);
  images.forEach((img, n) => {
    if (img.width !== width || img.height !== height) throw new Error('cropsToTensor: crops differ in size');
    const offset = n * per;
    for (let i = 0; i < per; i++) data[offset + i] = (img.data[i] as number) / 255;
  });
  return tf.tensor4d(data, [images.length, height, width, 3]);
}

/** uint8 RGB crops -> floats 0..1, row-major [N, S, S, 3], written into `out` from crop `offset`. */
export function writeCrops(images: readonly RgbImage[], out: Float32Array, offset = 0): void {
  images.forEach((img, n) => {
    const per = img.width * img.height * 3;
    const at = (offset + n) * per;
    for (let i = 0; i < per; i++) out[at + i] = (img.data[i] as number) / 255;
  });
}

/** Runs the extractor over the crops in batches and keeps only the features. */
export async function extractFeatures(
  extractor: FeatureExtractor,
  crops: AsyncIterable<LabelledCrop> | Iterable<LabelledCrop>,
  options: { batchSize: number; onBatch?: (done: number) => void },
): Promise<FeatureSet> {
  const size = extractor.featureSize;
  const side = extractor.inputSize;
  const input = new Float32Array(options.batchSize * side * side * 3);
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const kinds: CropKind[] = [];
  const groups: string[] = [];
  let pending: LabelledCrop[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    for (const c of pending) {
      if (c.image.width !== side || c.image.height !== side) throw new Error(`extractFeatures: a ${c.image.width}x${c.image.height} crop for a ${side} px model`);
    }
    writeCrops(pending.map((c) => c.image), input);
    // Copied: a runtime may hand back a view of memory it reuses on the next call.
    rows.push(Float32Array.from(await extractor.run(input, pending.length)));
    for (const c of pending) {
      labels.push(c.label);
      kinds.push(c.kind);
      groups.push(c.group);
    }
    pending = [];
    options.onBatch?.(labels.length);
  };
  for await (const crop of crops) {
    pending.push(crop);
    if (pending.length >= options.batchSize) await flush();
  }
  await flush();
  const features = new Float32Array(labels.length * size);
  let offset = 0;
  for (const r of rows) {
    features.set(r, offset);
    offset += r.length;
  }
  return { size, count: labels.length, features, labels: Int32Array.from(labels), kinds, groups };
}

/** Rows of a feature set whose index passes `keep`. */
export function selectRows(set: FeatureSet, keep: (i: number) => boolean): FeatureSet {
  const idx: number[] = [];
  for (let i = 0; i < set.count; i++) if (keep(i)) idx.push(i);
  const features = new Float32Array(idx.length * set.size);
  idx.forEach((src, dst) => features.set(set.features.subarray(src * set.size, (src + 1) * set.size), dst * set.size));
  return {
    size: set.size,
    count: idx.length,
    features,
    labels: Int32Array.from(idx.map((i) => set.labels[i] as number)),
    kinds: idx.map((i) => set.kinds[i] as CropKind),
    groups: idx.map((i) => set.groups[i] as string),
  };
}
