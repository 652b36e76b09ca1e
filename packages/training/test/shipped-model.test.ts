import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS } from '../src/classes.js';
import { indexSample } from '../src/crops.js';
import { evaluationCropsOfImage, generatedCrops, type LabelledCrop } from '../src/dataset.js';
import { cropsToTensor } from '../src/features.js';
import { loadIsicSample, readLabels } from '../src/isic.js';
import { readManifestFile, type Manifest } from '../src/manifest.js';
import { splitRecords } from '../src/split.js';
import { loadLayersModelFromFile } from '../src/model-files.js';
import { useBackend } from '../src/tf-runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = path.resolve(here, '../../../services/classifier/models/default');
/** The repository's data folder sits beside the checkout (issue 3: ../shared/data/isic2017). */
const isicDir = path.resolve(here, '../../../../shared/data/isic2017');
const hasIsic = existsSync(path.join(isicDir, 'labels.csv'));
/** Seeds never used by the training command (it uses 20170 and 20171). */
const UNSEEN_SEED = 90210;

/** Coarse groups: 0 not skin (background, skin edge), 1 skin, 2 pigmented lesion. */
const coarse = (c: number): number => (c <= CLASS.skin_edge ? 0 : c === CLASS.skin ? 1 : 2);

describe('shipped default model (wasm backend)', () => {
  let manifest: Manifest;
  let model: tf.LayersModel;

  beforeAll(async () => {
    await useBackend('wasm');
    manifest = await readManifestFile(modelDir);
    model = await loadLayersModelFromFile(path.join(modelDir, manifest.modelPath));
  });
  afterAll(() => model?.dispose());

  async function classify(crops: readonly LabelledCrop[]): Promise<number[]> {
    const input = cropsToTensor(crops.map((c) => c.image));
    const [probs, embedding] = model.predict(input) as tf.Tensor[];
    expect(probs?.shape).toEqual([crops.length, manifest.classNames.length]);
    expect(embedding?.shape).toEqual([crops.length, manifest.embeddingSize]);
    const classes = (await (probs as tf.Tensor).argMax(1).data()) as Int32Array;
    tf.dispose([input, probs as tf.Tensor, embedding as tf.Tensor]);
    return Array.from(classes);
  }

  it('names its outputs as the manifest says', () => {
    expect(model.outputNames).toEqual([manifest.outputs.probabilities, manifest.outputs.embedding]);
    expect(model.inputs[0]?.shape).toEqual([null, manifest.inputSize, manifest.inputSize, 3]);
  });

  it('calls unseen generated backgrounds and body outlines not-skin', async () => {
    const crops = [...generatedCrops({ backgrounds: 16, borders: 8, skin: 0 }, manifest.inputSize, UNSEEN_SEED)];
    const predicted = await classify(crops);
    const notSkin = predicted.filter((c) => coarse(c) === 0).length;
    expect(notSkin / crops.length).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(!hasIsic)('tells skin from lesions on held-out ISIC photos (needs ../shared/data/isic2017)', async () => {
    // Canonical, unaugmented views of held-out photos, which the shipped model was not trained
    // on. A random head scores about a third here.
    const records = splitRecords(await readLabels(isicDir)).heldOut;
    const picked = ['nevus', 'melanoma', 'seborrheic_keratosis'].flatMap((d) => records.filter((r) => r.diagnosis === d).slice(0, 3));
    const crops: LabelledCrop[] = [];
    for (const record of picked) {
      const index = indexSample(await loadIsicSample(isicDir, record));
      crops.push(...evaluationCropsOfImage(index, manifest.inputSize, UNSEEN_SEED).filter((c) => c.label >= CLASS.skin));
    }
    const predicted = await classify(crops);
    const correct = predicted.filter((c, i) => coarse(c) === coarse((crops[i] as LabelledCrop).label)).length;
    expect(crops.length).toBeGreaterThanOrEqual(20);
    expect(correct / crops.length).toBeGreaterThanOrEqual(0.85);
  });
});
