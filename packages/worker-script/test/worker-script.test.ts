import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { workerScript } from '../src/index.js';

function runWorker(url: URL, input: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: input });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('workerScript', () => {
  it('runs a TypeScript worker program and the modules it imports, then removes its files', async () => {
    const script = await workerScript(import.meta.url, 'fixtures/double-worker');
    expect(script.url.href).toMatch(/double-worker\.js$/);
    await expect(runWorker(script.url, 21)).resolves.toBe(42);
    const folder = fileURLToPath(new URL('.', script.url));
    expect(existsSync(folder)).toBe(true);
    await script.release();
    expect(existsSync(folder)).toBe(false);
  });

  it('points a compiled module at the compiled program beside it, with nothing to remove', async () => {
    const script = await workerScript('file:///srv/app/dist/parallel/detector.js', 'blob-worker');
    expect(script.url.href).toBe('file:///srv/app/dist/parallel/blob-worker.js');
    await script.release();
  });

  it('fails when the program is missing', async () => {
    await expect(workerScript(import.meta.url, 'fixtures/missing-worker')).rejects.toThrow(/ENOENT/);
  });
});
