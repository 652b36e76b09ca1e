import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNsfwjsMobileNetV2 } from '../src/nsfwjs-source.js';
import { buildTrunk } from '../src/trunk.js';
import { useBackend } from '../src/tf-runtime.js';

describe('MobileNetV2 trunk from nsfwjs', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('folds BatchNorm exactly: same pooled features as the untouched nsfwjs model', async () => {
    const source = loadNsfwjsMobileNetV2();
    const original = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: source.modelTopology, weightSpecs: source.weightSpecs as tf.io.WeightsManifestEntry[], weightData: source.weightData }),
    );
    const layers = ['out_relu', 'block_13_expand_relu'];
    const reference = tf.model({
      inputs: original.inputs,
      outputs: tf.layers
        .concatenate()
        .apply(layers.map((l) => tf.layers.globalAveragePooling2d({}).apply(original.getLayer(l).output) as tf.SymbolicTensor)) as tf.SymbolicTensor,
    });
    const trunk = await buildTrunk(loadNsfwjsMobileNetV2(), { inputSize: 224, featureLayers: layers });
    expect(trunk.base.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    expect(trunk.featureSizes).toEqual([1280, 576]);
    const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 5);
    const want = reference.predict(x) as tf.Tensor;
    const got = trunk.model.predict(x) as tf.Tensor;
    const maxDiff = (await tf.max(tf.abs(tf.sub(want, got))).data())[0] as number;
    const scale = (await tf.max(want).data())[0] as number;
    expect(scale).toBeGreaterThan(0.1);
    expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, scale));
    tf.dispose([x, want, got]);
  });

  it('runs fully convolutionally at a smaller input and rejects sizes that are not multiples of 32', async () => {
    const trunk = await buildTrunk(loadNsfwjsMobileNetV2(), { inputSize: 96, featureLayers: ['out_relu', 'max:block_13_expand_relu'] });
    const y = trunk.model.predict(tf.zeros([1, 96, 96, 3])) as tf.Tensor;
    expect(y.shape).toEqual([1, 1280 + 576]);
    y.dispose();
    await expect(buildTrunk(loadNsfwjsMobileNetV2(), { inputSize: 100, featureLayers: ['out_relu'] })).rejects.toThrow(/multiple of 32/);
  });
});
