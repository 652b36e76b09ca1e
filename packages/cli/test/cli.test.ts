import { ApiError, SkinlesionClient, type Analysis } from '@skinlesion/client';
import { startStack, type Stack } from '@skinlesion/stack';
import { makeWidefieldPhoto } from '@skinlesion/synth';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/index.js';
import { run, type Io } from '../src/index.js';

/*
 * The command line (and the client under it) against the whole system running as processes,
 * with one classifier replica to spare the CPU.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Captured extends Io {
  out: string;
  err: string;
}

function capture(): Captured {
  const io: Captured = {
    out: '',
    err: '',
    stdout: { write: (text) => void (io.out += text), isTTY: false },
    stderr: { write: (text) => void (io.err += text), isTTY: false },
    env: {},
  };
  return io;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let stack: Stack;
let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skinlesion-cli-'));
  const [started, photos] = await Promise.allSettled([
    startStack({ classifierReplicas: 1, gatewayPort: 0, env: { LOG_LEVEL: 'warn' } }),
    Promise.all([
      makeWidefieldPhoto({ width: 900, height: 700, lesions: 8, seed: 21 }),
      makeWidefieldPhoto({ width: 800, height: 600, lesions: 5, seed: 22, format: 'png' }),
      makeWidefieldPhoto({ width: 300, height: 300, lesions: 1, seed: 3, format: 'png' }),
    ]),
  ]);
  // Kept even when the photos failed, so that afterAll stops the processes.
  if (started.status === 'fulfilled') stack = started.value;
  if (started.status === 'rejected') throw started.reason;
  if (photos.status === 'rejected') throw photos.reason;
  const [back, arm, patch] = photos.value;
  for (const [name, photo] of [
    ['back.jpg', back],
    ['arm.png', arm],
    ['patch.png', patch],
  ] as const) {
    files[name] = join(dir, name);
    writeFileSync(files[name], photo.image);
  }
  files['notes.jpg'] = join(dir, 'notes.jpg');
  writeFileSync(files['notes.jpg'], 'not a photo');
  await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 200, 60_000, '/readyz');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('skinlesion analyze', () => {
  it('writes the analysis and three pictures per photo, with progress on stderr', async () => {
    const io = capture();
    const out = join(dir, 'out');
    const code = await run(['analyze', files['back.jpg'], files['arm.png'], '--out', out, '--url', stack.url, '--max-width', '400'], io);
    expect(code, io.err).toBe(0);

    const analysis = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as Analysis;
    expect(analysis.photos.map((photo) => [photo.width, photo.height])).toEqual([
      [900, 700],
      [800, 600],
    ]);
    expect(analysis.lesions.length).toBeGreaterThan(0);
    for (const stem of ['back', 'arm']) {
      for (const kind of ['boxes', 'heatmap', 'montage']) {
        const png = readFileSync(join(out, `${stem}.${kind}.png`));
        expect(Array.from(png.subarray(0, 8)), `${stem}.${kind}.png`).toEqual(PNG_SIGNATURE);
        if (kind !== 'montage') expect(png.readUInt32BE(16), 'width, scaled to --max-width').toBe(400);
      }
    }
    // One analysis and six pictures: the progress bar reaches 7/7.
    expect(io.err).toMatch(/^analyze: 0\/7 \(0 %\)/);
    expect(io.err).toMatch(/analyze: 7\/7 \(100 %\)/);
    expect(io.out).toMatch(new RegExp(`^risk ${analysis.risk}: ${analysis.lesions.length} candidates in 2 photo\\(s\\)`));
    expect(io.out).toContain(`wrote ${join(out, 'analysis.json')}`);
  }, 30_000);

  it('fails with exit code 1 and the problem for a file that is not a photo', async () => {
    const io = capture();
    expect(await run(['analyze', files['notes.jpg'], '--url', stack.url, '--out', join(dir, 'bad'), '--no-pictures'], io)).toBe(1);
    expect(io.err).toMatch(/^skinlesion analyze: HTTP 400 invalid-image: .+ \(request [\w-]+\)\n$/m);
  });

  it('prints the JSON with --json', async () => {
    const io = capture();
    expect(await run(['analyze', files['back.jpg'], '--url', stack.url, '--out', join(dir, 'json'), '--no-pictures', '--json', '--no-correction'], io), io.err).toBe(0);
    expect((JSON.parse(io.out) as Analysis).correction).toBe(false);
  });
});

describe('skinlesion classify', () => {
  it('classifies each image as one patch', async () => {
    const io = capture();
    expect(await run(['classify', files['patch.png'], files['back.jpg'], '--url', stack.url], io), io.err).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines[0]).toMatch(/^image\s+class\s+background\s+skin_edge\s+skin\s+nspl_a\s+nspl_b\s+spl$/);
    expect(lines[1]).toMatch(/^patch\.png\s+(background|skin_edge|skin|nspl_a|nspl_b|spl)(\s+\d\.\d{4}){6}$/);
    expect(lines[2]).toMatch(/^back\.jpg\s+/);
    expect(lines[3]).toMatch(/^model \S+ \S+$/);
  });
});

describe('skinlesion bench', () => {
  it('runs concurrent clients and reports throughput and latency percentiles', async () => {
    const io = capture();
    const code = await run(['bench', '--url', stack.url, '--concurrency', '3', '--requests', '2', '--endpoint', 'classify', '--json'], io);
    expect(code, io.err).toBe(0);
    const report = JSON.parse(io.out) as BenchReport;
    expect(report).toMatchObject({ endpoint: 'classify', concurrency: 3, requestsPerClient: 2, requests: 6, succeeded: 6, failed: 0 });
    expect(report.throughputPerSecond).toBeGreaterThan(0);
    const { p50, p90, p95, p99, max } = report.latencyMs;
    expect(p50).toBeGreaterThan(0);
    expect([p50, p90, p95, p99, max]).toEqual([...[p50, p90, p95, p99, max]].sort((a, b) => a - b));
    expect(io.err).toMatch(/bench classify: 6\/6 \(100 %\)/);
  });

  it("sends the seed's predict request and prints a readable report", async () => {
    const io = capture();
    expect(await run(['bench', '--url', stack.url, '--concurrency', '2', '--requests', '1', '--endpoint', 'predict', '--warmup', '0'], io), io.err).toBe(0);
    expect(io.out).toMatch(/^predict at .+: 2 clients x 1 requests = 2\ntotal \d+\.\d+ s, throughput [\d.]+ requests\/s, 0 failed\nlatency p50 [\d.]+ ms, p90/);
  });

  it('counts failed requests and exits with 1', async () => {
    const io = capture();
    expect(await run(['bench', '--url', stack.url, '--concurrency', '1', '--requests', '2', '--photo', files['notes.jpg'], '--warmup', '0', '--json'], io)).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({ succeeded: 0, failed: 2, failures: { 'HTTP 400 invalid-image': 2 } });
  });
});

describe('the command line itself', () => {
  it('answers --help per command and refuses bad command lines with exit code 2', async () => {
    for (const command of ['analyze', 'classify', 'bench']) {
      const io = capture();
      expect(await run([command, '--help'], io)).toBe(0);
      expect(io.out).toMatch(new RegExp(`^Usage: skinlesion ${command}`));
    }
    const cases: Array<[string[], RegExp]> = [
      [[], /no command given/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['analyze'], /give at least one photo/],
      [['analyze', 'x.jpg', '--colour'], /Unknown option '--colour'/],
      [['bench', '--concurrency', 'many'], /--concurrency must be a whole number from 1 to 4096/],
      [['bench', '--endpoint', 'infer'], /--endpoint must be one of classify, analyses, predict/],
      [['classify', 'x.png', '--url', 'ftp://host'], /--url must be an http\(s\) URL/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      expect(await run(argv, io), argv.join(' ')).toBe(2);
      expect(io.err, argv.join(' ')).toMatch(message);
    }
  });

  it('runs as the skinlesion binary', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [main, '--help']);
    expect(stdout).toMatch(/^Usage: skinlesion <command>/);
    const failed = await promisify(execFile)(process.execPath, [main, 'bench', '--requests', '0']).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(2);
  });
});

describe('the inference protocols against the real classifier', () => {
  let client: SkinlesionClient;
  let size: number;
  let name: string;
  beforeAll(async () => {
    client = new SkinlesionClient(stack.url);
    const report = await client.classify({ data: readFileSync(files['patch.png']) });
    name = report.model.name;
    const metadata = await client.modelMetadata(name);
    size = metadata.inputs[0].shape[1];
  });

  it('infers a UINT8 [1, S, S, 3] crop and an FP32 one (the model\'s own scale) over the Open Inference Protocol', async () => {
    const pixels = Array(size * size * 3).fill(128);
    const uint8 = await client.infer(name, { id: 'u8', inputs: [{ name: 'input', shape: [1, size, size, 3], datatype: 'UINT8', data: pixels }] });
    expect(uint8.id).toBe('u8');
    const probabilities = uint8.outputs.find((output) => output.name === 'probabilities');
    expect(probabilities?.shape).toEqual([1, 6]);
    expect((probabilities?.data as number[]).reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 4);
    expect(uint8.outputs.find((output) => output.name === 'embedding')?.shape[0]).toBe(1);

    const fp32 = await client.infer(name, { inputs: [{ name: 'input', shape: [1, size, size, 3], datatype: 'FP32', data: Array(size * size * 3).fill(0.5) }], outputs: [{ name: 'probabilities' }] });
    expect((fp32.outputs[0].data as number[]).reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 4);

    const wrong = (await client.infer(name, { inputs: [{ name: 'input', shape: [1, 4, 4, 3], datatype: 'UINT8', data: Array(48).fill(0) }] }).catch((error: unknown) => error)) as ApiError;
    expect(wrong.status).toBe(400);
    expect(wrong.message).toMatch(new RegExp(`input shape must be \\[N, ${size}, ${size}, 3\\]`));
  });

  it("answers the seed's predict request: 150 x 150 x 3 floats in 0..1", async () => {
    const image = Array.from({ length: 150 }, (_, y) => Array.from({ length: 150 }, (_, x) => [0.8, 0.6 - (x + y) / 1000, 0.5]));
    const answer = await client.predict(name, { signature_name: 'serving_default', instances: [image] });
    expect(answer.predictions).toHaveLength(1);
    expect(answer.predictions?.[0]).toHaveLength(6);
    expect(answer.predictions?.[0].reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 4);
  });
});
