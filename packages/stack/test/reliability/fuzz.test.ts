import { makeWidefieldPhoto } from '@skinlesion/synth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/index.js';
import { postParts, type Outcome } from './support/http.js';
import { mutate, MUTATIONS, Rng, type Format, type Mutation } from './support/mutate.js';
import { markdownTable, writeReport } from './support/report.js';
import sharp from 'sharp';
import { deadProcesses, gateway5xx, readiness, startTestStack } from './support/stack.js';

/**
 * Case i is made from the PRNG seeded with SEED + i alone, so any case replays by itself.
 * FUZZ_SEED and FUZZ_CASES (with FUZZ_BUDGET_MS) explore further than the default run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_501);
const CASES = Number(process.env.FUZZ_CASES ?? 400);
/** Cases in flight at once: enough to overlap the gateway and tiler work of different cases. */
const CONCURRENCY = 3;
/** Wall time after which no new case starts (the report says how many ran). */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 35_000);
/** A case with no answer within this is a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

interface Seed {
  readonly name: string;
  readonly format: Format;
  readonly bytes: Buffer;
}

/** Valid photos of each accepted format and its common encodings: what the fuzzer mutates. */
async function seedImages(): Promise<Seed[]> {
  const photo = await makeWidefieldPhoto({ width: 320, height: 240, lesions: 3, maxDiameter: 30, seed: 5, format: 'png' });
  const png = Buffer.from(photo.image);
  const make = async (name: string, format: Format, encode: (image: ReturnType<typeof sharp>) => ReturnType<typeof sharp>): Promise<Seed> => ({
    name,
    format,
    bytes: await encode(sharp(png)).toBuffer(),
  });
  return Promise.all([
    make('JPEG baseline', 'jpeg', (image) => image.jpeg({ quality: 85 })),
    make('JPEG progressive', 'jpeg', (image) => image.jpeg({ quality: 85, progressive: true })),
    Promise.resolve({ name: 'PNG RGB', format: 'png' as const, bytes: png }),
    make('PNG palette, interlaced', 'png', (image) => image.png({ palette: true, progressive: true })),
    make('WebP lossy', 'webp', (image) => image.webp({ quality: 80 })),
    make('WebP lossless', 'webp', (image) => image.webp({ lossless: true })),
    make('TIFF JPEG-compressed', 'tiff', (image) => image.tiff({ compression: 'jpeg' })),
    make('TIFF deflate', 'tiff', (image) => image.tiff({ compression: 'deflate' })),
  ]);
}

interface CaseResult {
  readonly index: number;
  readonly seed: string;
  readonly mutation: Mutation;
  readonly detail: string;
  readonly path: string;
  readonly outcome: Outcome;
}

/** The outcome's class: the status, and for a problem its kind. */
function label(outcome: Outcome): string {
  return outcome.problem ? `${outcome.status} ${outcome.problem}` : String(outcome.status);
}

function isFailure(outcome: Outcome): boolean {
  return typeof outcome.status !== 'number' || outcome.status >= 500;
}

function tally<K extends string>(items: Iterable<K>): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}

describe('a seeded fuzzer mutating valid photos', () => {
  let stack: Stack;
  let seeds: Seed[];
  const results: CaseResult[] = [];
  let elapsedMs = 0;

  beforeAll(async () => {
    seeds = await seedImages();
    stack = await startTestStack();
  }, 120_000);

  afterAll(async () => {
    if (results.length > 0) {
      const byOutcome = tally(results.map((result) => label(result.outcome)));
      const outcomes = [...byOutcome.keys()];
      const perMutation = MUTATIONS.map((mutation) => {
        const mine = results.filter((result) => result.mutation === mutation);
        return [mutation, mine.length, ...outcomes.map((key) => mine.filter((result) => label(result.outcome) === key).length)];
      });
      const perSeed = seeds.map((seed) => {
        const mine = results.filter((result) => result.seed === seed.name);
        return [seed.name, seed.bytes.length, mine.length, ...outcomes.map((key) => mine.filter((result) => label(result.outcome) === key).length)];
      });
      const failures = results.filter((result) => isFailure(result.outcome));
      const slowest = Math.max(...results.map((result) => result.outcome.ms));
      const markdown = [
        '# Fuzzing: mutated photos posted to the gateway',
        '',
        `${results.length} cases (seed ${SEED}, ${CONCURRENCY} at a time) in ${(elapsedMs / 1000).toFixed(1)} s; ` +
          `${failures.length} answered 5xx or not at all; slowest answer ${Math.round(slowest)} ms; every process alive afterwards.`,
        '',
        '## Outcomes',
        '',
        markdownTable(['answer', 'cases'], [...byOutcome].map(([key, count]) => [key, count])),
        '',
        '## By mutation',
        '',
        markdownTable(['mutation', 'cases', ...outcomes], perMutation),
        '',
        '## By seed image',
        '',
        markdownTable(['seed image', 'bytes', 'cases', ...outcomes], perSeed),
        '',
      ].join('\n');
      const file = writeReport(
        'reliability-fuzz',
        markdown,
        results.map(({ outcome, ...rest }) => ({ ...rest, status: outcome.status, problem: outcome.problem, ms: Math.round(outcome.ms) })),
      );
      console.log(`${markdown}\n(written to ${file})`);
    }
    await stack?.stop();
  }, 60_000);

  it(`answers ${CASES} mutated photos with no 5xx, no hang and no process exit`, async () => {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < CASES && performance.now() - started < BUDGET_MS && deadProcesses(stack).length === 0) {
        const index = next;
        next += 1;
        const rng = new Rng(SEED + index);
        const seed = rng.pick(seeds);
        const mutant = mutate(rng, seed.bytes, seed.format);
        // One case in four goes through Patch (/v1/classify) instead of Tile.
        const path = rng.next() < 0.25 ? '/v1/classify' : '/v1/analyses';
        const type = rng.next() < 0.5 ? `image/${seed.format}` : 'application/octet-stream';
        const outcome = await postParts(stack.url, path, [{ bytes: mutant.bytes, type }], { timeoutMs: REQUEST_TIMEOUT_MS });
        results.push({ index, seed: seed.name, mutation: mutant.mutation, detail: mutant.detail, path, outcome });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    elapsedMs = performance.now() - started;

    const failures = results.filter((result) => isFailure(result.outcome));
    expect(
      failures.map((failure) => `case ${failure.index} (${failure.seed}, ${failure.mutation}: ${failure.detail}) -> ${label(failure.outcome)} ${failure.outcome.error ?? ''}`),
    ).toEqual([]);
    expect(deadProcesses(stack)).toEqual([]);
    // Every 4xx is a problem document; a 200 is a full answer.
    for (const { outcome } of results) {
      if (outcome.status === 200) expect(outcome.contentType).toMatch(/^application\/json/);
      else expect(outcome.contentType, label(outcome)).toMatch(/^application\/problem\+json/);
    }
    // The budget is a safety net: on a 2-core machine all cases finish well inside it.
    expect(results.length).toBeGreaterThanOrEqual(Math.min(CASES, 100));
    expect(await gateway5xx(stack)).toBe(0);
    expect((await readiness(stack.url)).status).toBe(200);
  }, BUDGET_MS + 25_000);
});
