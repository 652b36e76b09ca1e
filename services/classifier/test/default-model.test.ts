import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@skinlesion/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifierConfig } from '../src/config.js';
import { Classifier } from '../src/runtime/classifier.js';
import { loadRunner } from '../src/runtime/load.js';
import { seededBytes } from './fixtures/models.js';

const DEFAULT_DIR = fileURLToPath(new URL('../models/default', import.meta.url));
const shipped = existsSync(path.join(DEFAULT_DIR, 'manifest.json'));

// The shipped model is produced by packages/training; a checkout without it skips this file.
describe.skipIf(!shipped)('the shipped default model (services/classifier/models/default)', () => {
  let classifier: Classifier;

  beforeAll(async () => {
    const config = loadClassifierConfig({});
    expect(config.modelDir).toBe(DEFAULT_DIR);
    const runner = await loadRunner({ modelDir: config.modelDir, runtime: 'tfjs', backend: 'wasm' }, createLogger('classifier-test', 'silent'));
    classifier = new Classifier(runner, { maxBatch: 8 });
    await classifier.warmUp();
  });

  afterAll(() => classifier?.dispose());

  it('is what MODEL_DIR defaults to, and classifies crops in batches as it does one by one', async () => {
    const { inputSize: size, embeddingSize } = classifier.manifest;
    const count = 12;
    const perCrop = size * size * 3;
    const data = seededBytes(count * perCrop, 17);
    const batched = await classifier.classify({ datatype: 'UINT8', count, size, data });
    expect(batched.embedding).toHaveLength(count * embeddingSize);
    let largestDifference = 0;
    for (let crop = 0; crop < count; crop += 1) {
      const row = batched.probabilities.subarray(crop * 6, crop * 6 + 6);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const alone = await classifier.classify({ datatype: 'UINT8', count: 1, size, data: data.subarray(crop * perCrop, (crop + 1) * perCrop) });
      alone.probabilities.forEach((value, k) => (largestDifference = Math.max(largestDifference, Math.abs(value - row[k]))));
      alone.embedding.forEach((value, k) => {
        largestDifference = Math.max(largestDifference, Math.abs(value - batched.embedding[crop * embeddingSize + k]));
      });
    }
    expect(largestDifference).toBeLessThan(1e-5);
  });
});
