import * as tf from '@tensorflow/tfjs';
import { foldStandardisation, type TrainedHead } from './head.js';
import { EMBEDDING_LAYER, type Trunk } from './trunk.js';

/** Output layer names of the shipped model, referenced by the manifest. */
export const OUTPUT_NAMES = { probabilities: 'probabilities', embedding: EMBEDDING_LAYER } as const;

/**
 * One layers model: image [N, S, S, 3] (RGB, 0..1) -> [probabilities [N, 6], embedding [N, D]].
 * The head's feature standardisation is folded into its first dense layer.
 */
export function assembleModel(trunk: Trunk, head: TrainedHead): tf.LayersModel {
  const layers = foldStandardisation(head);
  let h = trunk.model.outputs[0] as tf.SymbolicTensor;
  const embedding = h;
  layers.forEach((w, i) => {
    const last = i === layers.length - 1;
    const dense = tf.layers.dense({
      units: w.units,
      activation: last ? 'softmax' : 'relu',
      name: last ? OUTPUT_NAMES.probabilities : `head_dense_${i + 1}`,
    });
    h = dense.apply(h) as tf.SymbolicTensor;
    dense.setWeights([tf.tensor2d(w.kernel, [w.inputs, w.units]), tf.tensor1d(w.bias)]);
  });
  return tf.model({ inputs: trunk.model.inputs, outputs: [h, embedding], name: 'skinlesion_default' });
}
