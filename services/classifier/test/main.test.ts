import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HealthChecker } from '@skinlesion/grpc-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLayersModel } from './fixtures/models.js';

// The process test runs the compiled entry point, as the launcher does; `pnpm test` builds first.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const built = existsSync(MAIN);

interface Listening {
  port: number;
  metricsPort: number;
}

/** Resolves with the fields of the first 'listening' log line; rejects on exit or after timeoutMs. */
function listeningLine(child: ChildProcess, timeoutMs: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no "listening" line within ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string } & Listening;
      if (record.msg === 'listening') {
        clearTimeout(timer);
        resolve(record);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
  });
}

function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGTERM`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe.skipIf(!built)('main (dist/main.js; skipped when the package is not built: run `pnpm exec tsc -b services/classifier`)', () => {
  let root: string;
  let modelDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'classifier-main-'));
    modelDir = (await writeTinyLayersModel(path.join(root, 'model'), { inputSize: 16 })).dir;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('logs "listening" with both ports once SERVING, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'],
        MODEL_DIR: modelDir,
        CLASSIFIER_HOST: '127.0.0.1',
        CLASSIFIER_PORT: '0',
        CLASSIFIER_METRICS_PORT: '0',
        CLASSIFIER_BACKEND: 'wasm',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { port, metricsPort } = await listeningLine(child, 20_000);
      const health = new HealthChecker(`127.0.0.1:${port}`);
      expect(await health.check()).toBe('SERVING');
      health.close();
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(await metrics.text()).toContain('classifier_model_load_seconds');
      child.kill('SIGTERM');
      expect(await exitCode(child, 15_000)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
