import { describe, expect, it } from 'vitest';
import { CLASS_NAMES, ManifestError, parseManifest } from '../src/index.js';

const classNames = [...CLASS_NAMES];

/** The research's VGG16: 150 x 150 RGB, x / 255, embedding from the penultimate dense layer. */
const vgg16 = {
  name: 'spl-vgg16',
  version: '2021.1',
  format: 'tfjs-layers',
  modelPath: 'model.json',
  inputSize: 150,
  channelOrder: 'RGB',
  scaling: 'unit',
  classNames,
  outputs: { probabilities: 'dense_2', embedding: 'dense_1' },
  embeddingSize: 4096,
};

function problemsOf(json: unknown): readonly string[] {
  try {
    parseManifest(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).problems;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseManifest', () => {
  it('accepts the research VGG16 (150 px, unit scaling, RGB)', () => {
    const manifest = parseManifest(vgg16);
    expect(manifest).toEqual(vgg16);
    expect(Object.isFrozen(manifest)).toBe(true);
  });

  it('accepts a graph model with caffe scaling in BGR order and nested model paths', () => {
    const manifest = parseManifest({
      ...vgg16,
      format: 'tfjs-graph',
      modelPath: 'web_model/model.json',
      channelOrder: 'BGR',
      scaling: 'caffe',
      outputs: { probabilities: 'StatefulPartitionedCall/probs/Softmax', embedding: 'StatefulPartitionedCall/fc2/Relu' },
    });
    expect(manifest.scaling).toBe('caffe');
    expect(manifest.modelPath).toBe('web_model/model.json');
  });

  it('ignores keys it does not know, such as training provenance', () => {
    const manifest = parseManifest({ ...vgg16, training: { epochs: 12 }, description: 'fine-tuned' });
    expect(manifest).not.toHaveProperty('training');
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      name: 'has spaces',
      format: 'onnx',
      modelPath: '../elsewhere/model.json',
      inputSize: 150.5,
      channelOrder: 'rgb',
      scaling: 'imagenet',
      classNames: ['a', 'b'],
      outputs: { probabilities: 'dense_2' },
      embeddingSize: 0,
    });
    const expected = [
      /^name must be 1-128 letters/,
      /^version must be a non-empty string, got missing/,
      /^format must be one of "tfjs-layers", "tfjs-graph", got "onnx"/,
      /^modelPath must be a path relative to the manifest's folder/,
      /^inputSize must be an integer in \[1, 4096\], got 150.5/,
      /^channelOrder must be one of "RGB", "BGR", got "rgb"/,
      /^scaling must be one of "unit", "symmetric", "caffe", "raw", got "imagenet"/,
      /^classNames must be exactly \["background", "skin_edge", "skin", "nspl_a", "nspl_b", "spl"\]/,
      /^outputs.embedding must be a non-empty string, got missing/,
      /^embeddingSize must be an integer/,
    ];
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, index) => expect(problems[index]).toMatch(pattern));
  });

  it('puts every problem and the source in the error message', () => {
    expect(() => parseManifest({ ...vgg16, inputSize: -1, outputs: null }, '/models/x/manifest.json')).toThrow(
      /invalid model manifest \(\/models\/x\/manifest.json\):\n {2}- inputSize .*\n {2}- outputs must be an object/,
    );
  });

  it('accepts caffe scaling in either channel order (the means follow the colours)', () => {
    expect(parseManifest({ ...vgg16, scaling: 'caffe' }).channelOrder).toBe('RGB');
  });

  it('accepts what the training tools write: optional description, 128 px MobileNetV2 features', () => {
    const manifest = parseManifest({
      name: 'skinlesion-mobilenetv2',
      version: '1.0.0',
      format: 'tfjs-layers',
      modelPath: 'model.json',
      inputSize: 128,
      channelOrder: 'RGB',
      scaling: 'unit',
      classNames,
      outputs: { probabilities: 'probabilities', embedding: 'features' },
      embeddingSize: 1280,
      description: 'MobileNetV2 trunk (nsfwjs) with a trained head',
    });
    expect(manifest.embeddingSize).toBe(1280);
  });

  it('rejects class names in another order, since the order is the output order', () => {
    const swapped = [...classNames];
    [swapped[4], swapped[5]] = [swapped[5], swapped[4]];
    expect(problemsOf({ ...vgg16, classNames: swapped })).toEqual([expect.stringMatching(/^classNames must be exactly/)]);
  });

  it('rejects absolute and non-JSON model paths', () => {
    expect(problemsOf({ ...vgg16, modelPath: '/abs/model.json' })[0]).toMatch(/relative/);
    expect(problemsOf({ ...vgg16, modelPath: 'C:\\models\\model.json' })[0]).toMatch(/relative/);
    expect(problemsOf({ ...vgg16, modelPath: 'weights.bin' })[0]).toMatch(/\.json file/);
  });

  it('accepts an ONNX export beside the TF.js model, and refuses one outside the folder or not .onnx', () => {
    expect(parseManifest({ ...vgg16, onnx: { modelPath: 'model.onnx' } }).onnx).toEqual({ modelPath: 'model.onnx' });
    expect(parseManifest(vgg16)).not.toHaveProperty('onnx');
    expect(problemsOf({ ...vgg16, onnx: { modelPath: '../model.onnx' } })).toEqual([expect.stringMatching(/^onnx.modelPath must be a path relative/)]);
    expect(problemsOf({ ...vgg16, onnx: { modelPath: 'model.json' } })).toEqual([expect.stringMatching(/^onnx.modelPath must name the model's .onnx file/)]);
    expect(problemsOf({ ...vgg16, onnx: 'model.onnx' })).toEqual([expect.stringMatching(/^onnx must be an object \{modelPath\}/)]);
  });

  it('rejects a manifest that is not an object', () => {
    expect(problemsOf([vgg16])).toEqual(['the manifest must be a JSON object, got ' + JSON.stringify([vgg16])]);
    expect(problemsOf(null)).toHaveLength(1);
  });
});
