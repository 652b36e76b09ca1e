import { NUM_CLASSES } from './classes.js';
import { selectRows, type FeatureSet } from './features.js';
import { headProbabilities, type HeadOptions, type TrainedHead } from './head.js';

export type HeadTrainer = (set: FeatureSet, options: HeadOptions, label: string) => Promise<TrainedHead>;

/**
 * Out-of-fold class probabilities for every row of `evalSet`: fold f's rows are scored by a head
 * trained on the training rows of all other folds' images (plus every generated crop, which
 * shares nothing with the photos). Rows of groups without a fold (generated crops) are dealt to
 * folds by row index.
 */
export async function outOfFoldProbabilities(
  trainSet: FeatureSet,
  evalSet: FeatureSet,
  foldOfImage: ReadonlyMap<string, number>,
  folds: number,
  options: HeadOptions,
  trainer: HeadTrainer,
): Promise<Float32Array> {
  const foldOf = (group: string, row: number): number => foldOfImage.get(group) ?? row % folds;
  const probabilities = new Float32Array(evalSet.count * NUM_CLASSES);
  for (let f = 0; f < folds; f++) {
    const part = selectRows(trainSet, (i) => {
      const fold = foldOfImage.get(trainSet.groups[i] as string);
      return fold === undefined || fold !== f;
    });
    const head = await trainer(part, options, `head (fold ${f + 1}/${folds})`);
    const rows: number[] = [];
    for (let i = 0; i < evalSet.count; i++) if (foldOf(evalSet.groups[i] as string, i) === f) rows.push(i);
    const held = selectRows(evalSet, (i) => foldOf(evalSet.groups[i] as string, i) === f);
    const p = headProbabilities(head, held.features, held.count);
    rows.forEach((row, k) => probabilities.set(p.subarray(k * NUM_CLASSES, (k + 1) * NUM_CLASSES), row * NUM_CLASSES));
  }
  return probabilities;
}
