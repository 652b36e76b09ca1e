import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/manifest.js';
import { loadLayersModelFromFile } from '../src/model-files.js';
import { main } from '../src/train-cli.js';
import { writeSyntheticIsic } from './synthetic-isic.js';

describe('training command, --quick', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'skinlesion-train-'));
    await writeSyntheticIsic(path.join(root, 'data'), 2);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a loadable two-output model with a valid manifest and a report', async () => {
    const out = path.join(root, 'model');
    const { stderr, stdout } = { stderr: process.stderr.write, stdout: process.stdout.write };
    // The progress bar (stderr) and the summary (stdout) would clutter the test log.
    process.stderr.write = (() => true) as typeof process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['--data', path.join(root, 'data'), '--out', out, '--quick']);
    } finally {
      process.stderr.write = stderr;
      process.stdout.write = stdout;
    }
    expect(code).toBe(0);

    const manifest = parseManifest(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')));
    expect(manifest.inputSize).toBe(128);
    const model = await loadLayersModelFromFile(path.join(out, manifest.modelPath));
    expect(model.outputNames).toEqual([manifest.outputs.probabilities, manifest.outputs.embedding]);
    const [probs, embedding] = model.predict(tf.zeros([2, manifest.inputSize, manifest.inputSize, 3])) as tf.Tensor[];
    expect(probs?.shape).toEqual([2, 6]);
    expect(embedding?.shape).toEqual([2, manifest.embeddingSize]);
    const rowSums = (await (probs as tf.Tensor).sum(1).data()) as Float32Array;
    rowSums.forEach((s) => expect(s).toBeCloseTo(1, 4));
    tf.dispose([probs as tf.Tensor, embedding as tf.Tensor]);
    model.dispose();

    const report = JSON.parse(await readFile(path.join(out, 'training-report.json'), 'utf8')) as {
      evaluation: string;
      data: { trainCrops: Record<string, number> };
      model: { reloadMaxAbsDiff: number };
    };
    expect(report.evaluation).toMatch(/cross-validation/);
    expect(Object.keys(report.data.trainCrops).sort()).toEqual(['background', 'nspl_a', 'nspl_b', 'skin', 'skin_edge', 'spl']);
    expect(report.model.reloadMaxAbsDiff).toBeLessThan(1e-3);
    await expect(readFile(path.join(out, 'LICENSE-THIRD-PARTY'), 'utf8')).resolves.toMatch(/MIT License/);
  });

  it('rejects a command line without --out', async () => {
    const stderr = process.stderr.write;
    let written = '';
    process.stderr.write = ((text: string) => {
      written += text;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(['--data', root])).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(written).toMatch(/--out/);
  });
});
