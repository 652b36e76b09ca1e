import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/layers/activations.js';
import { artifactsOf, compareWithTfjs, useWasm, type Comparison } from './fixtures/harness.js';

/** float32 arithmetic in a different order: agreement to a few ulps of the outputs' magnitude. */
function expectAgreement(comparison: Comparison, tolerance = 2e-5): void {
  comparison.differences.forEach((difference, index) => {
    expect(difference, `output ${comparison.exported.report.outputs[index].name}`).toBeLessThanOrEqual(tolerance * Math.max(1, comparison.magnitudes[index]));
  });
  // A constant model would agree trivially: the outputs must carry signal.
  comparison.magnitudes.forEach((magnitude) => expect(magnitude).toBeGreaterThan(1e-3));
}

let seed = 100;
/** Seeded, non-trivial weights: biases too, so that their placement is checked. */
function init() {
  seed += 2;
  return {
    kernelInitializer: tf.initializers.randomUniform({ minval: -0.6, maxval: 0.6, seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: seed + 1 }),
  };
}

function depthwiseInit() {
  const { kernelInitializer, biasInitializer } = init();
  return { depthwiseInitializer: kernelInitializer, biasInitializer };
}

type Build = (input: tf.SymbolicTensor) => tf.SymbolicTensor | tf.SymbolicTensor[];

function functional(shape: number[], build: Build): tf.LayersModel {
  const input = tf.input({ shape, name: 'image' });
  return tf.model({ inputs: input, outputs: build(input) });
}

function apply(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

const conv = (filters: number, kernelSize: number | [number, number], extra: Record<string, unknown> = {}) =>
  tf.layers.conv2d({ filters, kernelSize, ...init(), ...extra });

beforeAll(useWasm);

describe('convolutions', () => {
  it.each([
    ['3x3 valid, ReLU', [9, 9, 3], { padding: 'valid', activation: 'relu' }, 5, 3],
    ['3x3 same, stride 2 on an even size (TF pads the extra pixel at the end)', [8, 8, 3], { padding: 'same', strides: 2 }, 4, 3],
    ['3x2 same, strides [2, 1] on an odd size', [9, 7, 2], { padding: 'same', strides: [2, 1] }, 3, [3, 2]],
    ['dilated 3x3 same, no bias, tanh', [10, 10, 3], { padding: 'same', dilationRate: 2, useBias: false, activation: 'tanh' }, 4, 3],
    ['1x1 pointwise', [5, 5, 6], {}, 7, 1],
  ] as const)('Conv2D %s', async (_name, shape, extra, filters, kernel) => {
    const model = functional([...shape], (x) => apply(conv(filters, kernel as number, { ...extra }), x));
    expectAgreement(await compareWithTfjs(model));
  });

  it.each([
    ['multiplier 1, same, stride 2, ReLU6 after', [8, 8, 4], { padding: 'same', strides: 2 }, 1],
    ['multiplier 2, valid (output channel c * 2 + j)', [7, 7, 3], { padding: 'valid' }, 2],
    ['multiplier 3, same, no bias', [6, 6, 2], { padding: 'same', useBias: false }, 3],
  ] as const)('DepthwiseConv2D %s', async (_name, shape, extra, depthMultiplier) => {
    const model = functional([...shape], (x) =>
      apply(tf.layers.reLU({ maxValue: 6 }), apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier, ...depthwiseInit(), ...extra }), x)),
    );
    expectAgreement(await compareWithTfjs(model));
  });
});

describe('normalisation and dense layers', () => {
  const batchNorm = (extra: Record<string, unknown> = {}) =>
    tf.layers.batchNormalization({
      epsilon: 0.01,
      gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 1 }),
      betaInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 2 }),
      movingMeanInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 3 }),
      movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.2, maxval: 2, seed: 4 }),
      ...extra,
    });

  it('BatchNormalization on channels after a convolution, with its moving statistics', async () => {
    const model = functional([6, 6, 3], (x) => apply(batchNorm(), apply(conv(4, 3, { padding: 'same' }), x)));
    expectAgreement(await compareWithTfjs(model));
  });

  it('BatchNormalization without scale and centre, and on [N, features]', async () => {
    const model = functional([5, 5, 2], (x) => {
      const features = apply(tf.layers.globalAveragePooling2d({}), apply(batchNorm({ scale: false, center: false }), apply(conv(3, 3), x)));
      return apply(batchNorm(), apply(tf.layers.dense({ units: 4, ...init() }), features));
    });
    expectAgreement(await compareWithTfjs(model));
  });

  it('Dense with softmax on [N, features], and Dense without bias on [N, H, W, C]', async () => {
    const model = functional([4, 3, 5], (x) => [
      apply(tf.layers.dense({ units: 6, activation: 'softmax', ...init() }), apply(tf.layers.flatten({}), x)),
      apply(tf.layers.dense({ units: 2, useBias: false, ...init() }), x),
    ]);
    expectAgreement(await compareWithTfjs(model));
  });
});

describe('activations', () => {
  // model.json holds the serialised names; TF.js's constructors take its identifiers.
  const IDENTIFIERS: Record<string, string> = { hard_sigmoid: 'hardSigmoid' };

  it.each(ACTIVATIONS)('Activation "%s" on a channels-first value', async (activation) => {
    const identifier = (IDENTIFIERS[activation] ?? activation) as 'relu';
    const model = functional([4, 4, 3], (x) => apply(tf.layers.activation({ activation: identifier }), apply(conv(5, 3, { padding: 'same' }), x)));
    expectAgreement(await compareWithTfjs(model));
  });

  it('ReLU with and without max_value, LeakyReLU with its slope', async () => {
    const model = functional([5, 5, 3], (x) => {
      const y = apply(conv(4, 3, { padding: 'same', kernelInitializer: tf.initializers.randomUniform({ minval: -3, maxval: 3, seed: 9 }) }), x);
      return [apply(tf.layers.reLU({ maxValue: 1.5 }), y), apply(tf.layers.reLU({}), y), apply(tf.layers.leakyReLU({ alpha: 0.1 }), y), apply(tf.layers.leakyReLU({}), y)];
    });
    expectAgreement(await compareWithTfjs(model));
  });

  // TF.js computes softmax along the last axis only, so that is all a TF.js model can hold.
  it('Softmax layers: TF.js default axis (1) on [N, F], axes -1 and 3 on [N, H, W, C]', async () => {
    const model = functional([3, 4, 2], (x) => {
      const y = apply(conv(3, 2, { padding: 'same' }), x);
      return [
        apply(tf.layers.softmax({}), apply(tf.layers.flatten({}), y)),
        apply(tf.layers.softmax({ axis: -1 }), y),
        apply(tf.layers.softmax({ axis: 3 }), y),
      ];
    });
    expectAgreement(await compareWithTfjs(model));
  });
});

describe('merges', () => {
  it.each([
    ['Add of three branches', (inputs: tf.SymbolicTensor[]) => tf.layers.add({}).apply(inputs)],
    ['Multiply', (inputs: tf.SymbolicTensor[]) => tf.layers.multiply({}).apply(inputs.slice(0, 2))],
    ['Average', (inputs: tf.SymbolicTensor[]) => tf.layers.average({}).apply(inputs)],
    ['Maximum', (inputs: tf.SymbolicTensor[]) => tf.layers.maximum({}).apply(inputs.slice(0, 2))],
    ['Minimum', (inputs: tf.SymbolicTensor[]) => tf.layers.minimum({}).apply(inputs.slice(1))],
    ['Concatenate on channels', (inputs: tf.SymbolicTensor[]) => tf.layers.concatenate({}).apply(inputs)],
    ['Concatenate on rows (axis 1)', (inputs: tf.SymbolicTensor[]) => tf.layers.concatenate({ axis: 1 }).apply(inputs.slice(0, 2))],
  ] as const)('%s', async (_name, merge) => {
    const model = functional([5, 5, 3], (x) => {
      const branches = [apply(conv(4, 3, { padding: 'same' }), x), apply(conv(4, 1), x), apply(conv(4, 3, { padding: 'same', activation: 'relu' }), x)];
      return merge(branches) as tf.SymbolicTensor;
    });
    expectAgreement(await compareWithTfjs(model));
  });

  it('Concatenate of [N, F] vectors, as the default model joins its two pooled features', async () => {
    const model = functional([6, 6, 3], (x) => {
      const a = apply(conv(4, 3), x);
      const b = apply(conv(5, 3, { strides: 2 }), a);
      const joined = apply(tf.layers.concatenate({}), [apply(tf.layers.globalAveragePooling2d({}), b), apply(tf.layers.globalAveragePooling2d({}), a)]);
      return [apply(tf.layers.dense({ units: 6, activation: 'softmax', ...init() }), joined), joined];
    });
    expectAgreement(await compareWithTfjs(model));
  });
});

describe('padding, pooling and reshaping', () => {
  it.each([
    ['[[1, 2], [0, 3]]', [[1, 2], [0, 3]]],
    ['[1, 2]', [1, 2]],
    ['2', 2],
  ] as const)('ZeroPadding2D %s before a valid convolution', async (_name, padding) => {
    const model = functional([5, 6, 2], (x) => apply(conv(3, 3), apply(tf.layers.zeroPadding2d({ padding: padding as never }), x)));
    expectAgreement(await compareWithTfjs(model));
  });

  it.each([
    ['MaxPooling2D 2x2 valid', () => tf.layers.maxPooling2d({ poolSize: 2 })],
    ['MaxPooling2D 3x3 same stride 2 on an odd size', () => tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
    ['AveragePooling2D 3x3 same stride 2 (borders average the pixels inside only)', () => tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
    ['AveragePooling2D [2, 3] valid stride 1', () => tf.layers.averagePooling2d({ poolSize: [2, 3], strides: 1 })],
    ['GlobalAveragePooling2D', () => tf.layers.globalAveragePooling2d({})],
    ['GlobalMaxPooling2D', () => tf.layers.globalMaxPooling2d({})],
    ['Flatten (channels-last order)', () => tf.layers.flatten({})],
  ] as const)('%s', async (_name, layer) => {
    const model = functional([7, 7, 2], (x) => apply(layer(), apply(conv(3, 2, { padding: 'same' }), x)));
    expectAgreement(await compareWithTfjs(model));
  });

  it('Rescaling, then dropout layers that do nothing at inference', async () => {
    const model = functional([4, 4, 3], (x) => {
      let y = apply(tf.layers.rescaling({ scale: 1 / 255, offset: -0.5 }), x);
      y = apply(tf.layers.dropout({ rate: 0.5 }), apply(conv(3, 3), y));
      y = apply(tf.layers.alphaDropout({ rate: 0.3 }), y);
      return apply(tf.layers.gaussianDropout({ rate: 0.3 }), y);
    });
    const comparison = await compareWithTfjs(model);
    expectAgreement(comparison);
    expect(comparison.exported.report.opTypes).not.toHaveProperty('Dropout');
  });
});

describe('model structure', () => {
  it('a Sequential model, whose input TF.js declares on its first layer', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', ...init() }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten({}),
        tf.layers.dense({ units: 6, activation: 'softmax', ...init() }),
      ],
    });
    expectAgreement(await compareWithTfjs(model));
  });

  it('a layer applied twice (two nodes of one layer)', async () => {
    const shared = conv(3, 3, { padding: 'same', activation: 'tanh' });
    const model = functional([5, 5, 3], (x) => apply(shared, apply(shared, x)));
    const comparison = await compareWithTfjs(model);
    expectAgreement(comparison);
    // Two convolutions sharing one weight set.
    expect(comparison.exported.report.opTypes['Conv']).toBe(2);
    expect(comparison.exported.report.weightBytes.float32).toBe((3 * 3 * 3 * 3 + 3) * 4);
  });

  it('exports an inner layer as a named, flattened output, and transposes the input only once', async () => {
    const model = functional([6, 6, 3], (x) => {
      const features = apply(conv(4, 3, { name: 'features' }), x);
      const side = apply(conv(2, 1, { name: 'side' }), x);
      return [apply(tf.layers.dense({ units: 3, name: 'scores', activation: 'softmax', ...init() }), apply(tf.layers.globalAveragePooling2d({}), features)), side];
    });
    const inner = tf.model({ inputs: model.inputs, outputs: [model.outputs[0], apply(tf.layers.flatten({}), model.getLayer('features').output as tf.SymbolicTensor)] });
    const comparison = await compareWithTfjs(inner, {
      export: { inputName: 'input', outputs: [{ name: 'probabilities', layer: 'scores' }, { name: 'embedding', layer: 'features', flatten: true }] },
      artifacts: await artifactsOf(model),
    });
    expectAgreement(comparison);
    const { report } = comparison.exported;
    expect(report.input).toEqual({ name: 'input', shape: ['N', 6, 6, 3] });
    expect(report.outputs).toEqual([
      { name: 'probabilities', shape: ['N', 3] },
      { name: 'embedding', shape: ['N', 4 * 4 * 4] },
    ]);
    // The unused "side" branch is left out.
    expect(report.opTypes['Conv']).toBe(1);
    expect(report.opTypes['Transpose']).toBe(2);
  });
});
