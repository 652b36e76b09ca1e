import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifest, validateManifest } from '../src/manifest.js';

const shippedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../services/classifier/models/default');

const valid = {
  name: 'research-vgg16',
  version: '2021',
  format: 'tfjs-layers',
  modelPath: 'model.json',
  inputSize: 150,
  channelOrder: 'RGB',
  scaling: 'unit',
  classNames: ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'],
  outputs: { probabilities: 'dense_2', embedding: 'fc2' },
  embeddingSize: 4096,
};

describe('model manifest', () => {
  it('accepts the shipped default manifest', async () => {
    const shipped = JSON.parse(await readFile(path.join(shippedDir, 'manifest.json'), 'utf8')) as unknown;
    const check = validateManifest(shipped);
    expect(check).toMatchObject({ ok: true });
    expect(parseManifest(shipped).format).toBe('tfjs-layers');
  });

  it('accepts a manifest describing the research VGG16 (150 px, x/255), ignoring extra keys', () => {
    expect(validateManifest(valid).ok).toBe(true);
    expect(validateManifest({ ...valid, trainedOn: 'research data', onnx: { modelPath: 'model.onnx' } }).ok).toBe(true);
  });

  it.each([
    ['a wrong class order', { classNames: ['skin', 'skin_edge', 'background', 'nspl_a', 'nspl_b', 'spl'] }, 'classNames'],
    ['an unknown scaling', { scaling: 'imagenet' }, 'scaling'],
    ['a non-integer input size', { inputSize: 127.5 }, 'inputSize'],
    ['a model path leaving the folder', { modelPath: '../other/model.json' }, 'modelPath'],
    ['an absolute model path', { modelPath: '/etc/model.json' }, 'modelPath'],
    ['no embedding size', { embeddingSize: undefined }, 'embeddingSize'],
    ['no embedding output', { outputs: { probabilities: 'dense_2' } }, 'outputs.embedding'],
    ['a name with a slash', { name: 'models/default' }, 'name'],
    ['BGR spelled in lower case', { channelOrder: 'bgr' }, 'channelOrder'],
  ])('rejects %s', (_label, change, mentioned) => {
    const check = validateManifest({ ...valid, ...change });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.join('\n')).toContain(mentioned);
  });

  it('lists every problem at once and throws them from parseManifest', () => {
    const check = validateManifest({ ...valid, name: '', format: 'onnx', outputs: {} });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.errors.length).toBeGreaterThanOrEqual(3);
    expect(() => parseManifest([])).toThrow(/JSON object/);
  });
});
