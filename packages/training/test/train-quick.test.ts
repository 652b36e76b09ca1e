import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The classifier's own loader and logger: what is checked is that the service accepts the folder.
import { createLogger } from '../../logger/src/index.js';
import { loadRunner } from '../../../services/classifier/src/runtime/load.js';
import { readManifestFile } from '../src/manifest.js';
import { loadLayersModelFromFile } from '../src/model-files.js';
import { useBackend } from '../src/tf-runtime.js';
import { main } from '../src/train-cli.js';
import { writeSyntheticIsic } from './synthetic-isic.js';

/** Runs the command with its progress (stderr) and summary (stdout) captured. */
async function runQuiet(argv: string[]): Promise<{ code: number; stderr: string }> {
  const { stderr, stdout } = { stderr: process.stderr.write, stdout: process.stdout.write };
  let written = '';
  process.stderr.write = ((text: string) => {
    written += text;
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stderr: written };
  } finally {
    process.stderr.write = stderr;
    process.stdout.write = stdout;
  }
}

describe('training command, --quick', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'skinlesion-train-'));
    await writeSyntheticIsic(path.join(root, 'data'), 2);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a loadable model, a current ONNX export the classifier serves, a valid manifest and a report', async () => {
    const out = path.join(root, 'model');
    const { code, stderr } = await runQuiet(['--data', path.join(root, 'data'), '--out', out, '--quick']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/features \(training views\) \[#+\] 100%/);

    const manifest = await readManifestFile(out);
    expect(manifest.inputSize).toBe(128);
    expect(manifest.onnx?.modelPath).toBe('model.onnx');
    await useBackend('wasm');
    const model = await loadLayersModelFromFile(path.join(out, manifest.modelPath));
    expect(model.outputNames).toEqual([manifest.outputs.probabilities, manifest.outputs.embedding]);
    const size = manifest.inputSize;
    const input = Float32Array.from({ length: 2 * size * size * 3 }, (_, i) => ((i * 7919) % 256) / 255);
    const [probs, embedding] = model.predict(tf.tensor4d(input, [2, size, size, 3])) as tf.Tensor[];
    expect(embedding?.shape).toEqual([2, manifest.embeddingSize]);
    const tfjsProbabilities = (await (probs as tf.Tensor).data()) as Float32Array;
    tf.dispose([probs as tf.Tensor, embedding as tf.Tensor]);
    model.dispose();

    // The classifier refuses an export whose recorded fingerprint differs from the TF.js files.
    const runner = await loadRunner({ modelDir: out, runtime: 'onnx', backend: 'wasm' }, createLogger('training-test', 'silent'));
    try {
      expect(runner.runtime).toBe('onnxruntime');
      const served = await runner.run(input, 2);
      expect(served.embedding).toHaveLength(2 * manifest.embeddingSize);
      served.probabilities.forEach((p, i) => expect(Math.abs(p - (tfjsProbabilities[i] as number))).toBeLessThan(1e-3));
    } finally {
      await runner.dispose();
    }

    const report = JSON.parse(await readFile(path.join(out, 'training-report.json'), 'utf8')) as {
      crossValidation: { description: string; metrics: { splVsRest: { auroc: { value: number } } } };
      splThreshold: { value: number };
      data: { trainCrops: Record<string, number> };
      model: { reloadMaxAbsDiff: number; onnx: { maxAbsDiff: number } };
    };
    expect(report.crossValidation.description).toMatch(/cross-validation/);
    expect(Number.isFinite(report.splThreshold.value)).toBe(true);
    expect(Object.keys(report.data.trainCrops).sort()).toEqual(['background', 'nspl_a', 'nspl_b', 'skin', 'skin_edge', 'spl']);
    expect(report.model.reloadMaxAbsDiff).toBeLessThan(1e-3);
    expect(report.model.onnx.maxAbsDiff).toBeLessThan(1e-3);
    await expect(readFile(path.join(out, 'LICENSE-THIRD-PARTY'), 'utf8')).resolves.toMatch(/MIT License/);
  }, 60_000);

  it('rejects an unknown argument with the usage', async () => {
    const { code, stderr } = await runQuiet(['--data', root, '--epochs', '3']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown argument --epochs/);
    expect(stderr).toMatch(/usage:/);
  });
});
