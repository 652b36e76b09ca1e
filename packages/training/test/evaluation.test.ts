import { describe, expect, it } from 'vitest';
import { CLASS } from '../src/classes.js';
import type { CropKind } from '../src/dataset.js';
import { checkTargets, renderEvaluationMarkdown, type EvaluationReport } from '../src/eval-report.js';
import { cropMetrics, type ScoredCrops } from '../src/evaluate.js';
import { photoModelSeconds, runtimeCost } from '../src/inference-cost.js';
import { bootstrap, sensitivitySpecificity, wilsonInterval, youdenThreshold } from '../src/stats.js';
import { scorePhoto, widefieldMetrics } from '../src/widefield.js';

/** One lesion crop per photo with the given p(spl); the rest of the mass on nspl_a. */
function lesionCrops(cases: readonly (readonly [label: number, pSpl: number])[]): ScoredCrops {
  const probabilities = new Float32Array(cases.length * 6);
  cases.forEach(([, p], i) => {
    probabilities[i * 6 + CLASS.spl] = p;
    probabilities[i * 6 + CLASS.nspl_a] = 1 - p;
  });
  return {
    probabilities,
    labels: Int32Array.from(cases.map(([label]) => label)),
    kinds: cases.map((): CropKind => 'lesion-dermoscopic'),
    groups: cases.map((_, i) => `photo-${i}`),
  };
}

describe('statistics', () => {
  it('gives the Wilson interval of textbook cases', () => {
    const half = wilsonInterval(5, 10);
    expect(half.value).toBe(0.5);
    expect(half.low).toBeCloseTo(0.2366, 3);
    expect(half.high).toBeCloseTo(0.7634, 3);
    const all = wilsonInterval(50, 50);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.9287, 3);
  });

  it('puts the Youden threshold between the scores it separates', () => {
    const scores = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9];
    const positive = [false, false, false, true, true, true];
    const best = youdenThreshold(scores, positive);
    expect(best.threshold).toBeCloseTo(0.45, 10);
    expect(best.j).toBe(1);
    expect(sensitivitySpecificity(scores, positive, 0.45)).toEqual({ sensitivity: 1, specificity: 1 });
    // One positive among the negatives: the best cut keeps 2 of 3 positives and all negatives.
    const mixed = youdenThreshold([0.1, 0.2, 0.3, 0.6, 0.7, 0.9], [false, true, false, false, true, true]);
    expect(mixed.threshold).toBeCloseTo(0.65, 10);
    expect(mixed.j).toBeCloseTo(2 / 3, 10);
  });

  it('bootstraps an interval that contains the estimate and narrows with more units', () => {
    const values = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const mean = (rows: readonly number[]): number => rows.reduce((a, i) => a + (values[i] as number), 0) / rows.length;
    const wide = bootstrap(values.slice(0, 40).map((_, i) => [i]), mean, 500, 3);
    const narrow = bootstrap(values.map((_, i) => [i]), mean, 500, 3);
    expect(narrow.value).toBe(0.25);
    expect(narrow.low).toBeLessThan(0.25);
    expect(narrow.high).toBeGreaterThan(0.25);
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });
});

describe('crop metrics', () => {
  it('computes the SPL-vs-rest AUROC, sensitivity and specificity of a known case', () => {
    // Positives 0.9, 0.8, 0.4 against negatives 0.7, 0.3, 0.2, 0.1: 11 of 12 pairs ordered right.
    const scored = lesionCrops([
      [CLASS.spl, 0.9],
      [CLASS.spl, 0.8],
      [CLASS.spl, 0.4],
      [CLASS.nspl_a, 0.7],
      [CLASS.nspl_a, 0.3],
      [CLASS.nspl_b, 0.2],
      [CLASS.nspl_a, 0.1],
    ]);
    const m = cropMetrics(scored, { threshold: { value: 0.5, source: 'test' }, resamples: 300, seed: 7 });
    expect(m.splVsRest.auroc.value).toBeCloseTo(11 / 12, 10);
    expect(m.splVsRest.auroc.low).toBeLessThanOrEqual(m.splVsRest.auroc.value);
    expect(m.splVsRest.auroc.high).toBeLessThanOrEqual(1);
    expect(m.splVsRest.sensitivity.value).toBeCloseTo(2 / 3, 10);
    expect(m.splVsRest.specificity.value).toBeCloseTo(3 / 4, 10);
    expect(m.splVsRest.positives).toBe(3);
    expect(m.splVsRest.negatives).toBe(4);
    // Argmax: spl wins where p(spl) > 0.5; the SK crop is called nspl_a.
    expect(m.confusion[CLASS.spl]).toEqual([0, 0, 0, 1, 0, 2]);
    expect(m.perClass.spl.recall.value).toBeCloseTo(2 / 3, 10);
    expect(m.perClass.spl.precision.value).toBeCloseTo(2 / 3, 10);
    expect(m.photos).toBe(7);
  });
});

describe('wide-field scoring', () => {
  const planted = [
    { id: 'a', x: 100, y: 100, diameter: 20, classIndex: 3, odd: false },
    { id: 'b', x: 300, y: 100, diameter: 20, classIndex: 3, odd: false },
    { id: 'c', x: 500, y: 500, diameter: 40, classIndex: 5, odd: true },
  ];

  it('counts a lesion as found only with a candidate centre within its radius, and reads the odd one’s rank', () => {
    const outcome = scorePhoto(planted, [
      { x: 105, y: 104, class: 'nspl_a', udRank: 3 },
      { x: 311, y: 100, class: 'nspl_a', udRank: 2 },
      { x: 512, y: 505, class: 'spl', udRank: 1 },
      { x: 900, y: 900, class: 'skin', udRank: null },
    ]);
    expect(outcome).toMatchObject({ planted: 3, found: 2, candidates: 4, unmatchedCandidates: 2, oddRank: 1, oddClass: 'spl', hasOddLesion: true });
  });

  it('aggregates recall and top-1 / top-3 hit rates with intervals', () => {
    const hit = scorePhoto(planted, planted.map((p, i) => ({ x: p.x, y: p.y, class: 'nspl_a', udRank: p.odd ? 1 : i + 2 })));
    const third = scorePhoto(planted, planted.map((p, i) => ({ x: p.x, y: p.y, class: 'nspl_a', udRank: p.odd ? 3 : i + 1 })));
    const missed = scorePhoto(planted, []);
    const m = widefieldMetrics([hit, third, missed], { resamples: 200 });
    expect(m.detectionRecall.value).toBeCloseTo(6 / 9, 10);
    expect(m.udTop1.value).toBeCloseTo(1 / 3, 10);
    expect(m.udTop3.value).toBeCloseTo(2 / 3, 10);
    expect(m.udTop3.low).toBeLessThan(2 / 3);
    expect(m.oddLesionClasses).toEqual({ nspl_a: 2, 'not found': 1 });
  });
});

describe('report', () => {
  it('derives the photo time from the batch-32 rate and renders every target', () => {
    expect(photoModelSeconds(100, 100, 2)).toBeCloseTo(0.5, 10);
    const cost = runtimeCost([
      { runtime: 'onnxruntime', backend: 'cpu', batch: 1, cropsPerSecond: 200, batchMs: 5 },
      { runtime: 'onnxruntime', backend: 'cpu', batch: 32, cropsPerSecond: 320, batchMs: 100 },
    ]);
    expect(cost.photoSeconds).toBeCloseTo(50 / 320, 10);

    const heldOut = cropMetrics(
      lesionCrops([
        [CLASS.spl, 0.9],
        [CLASS.nspl_a, 0.2],
      ]),
      { threshold: { value: 0.5, source: 'Youden on the training folds' }, resamples: 100 },
    );
    const widefield = {
      description: 'two photos',
      lesionSource: 'procedural',
      runtime: 'onnx',
      metrics: widefieldMetrics([scorePhoto([{ id: 'a', x: 0, y: 0, diameter: 10, classIndex: 5, odd: true }], [{ x: 1, y: 1, class: 'spl', udRank: 1 }])], { resamples: 100 }),
    };
    // A slow runtime: 50 crops per replica at 20 crops/s is 2.5 s, over the 2 s target.
    const slow = runtimeCost([
      { runtime: 'tfjs', backend: 'wasm', batch: 1, cropsPerSecond: 15, batchMs: 66 },
      { runtime: 'tfjs', backend: 'wasm', batch: 32, cropsPerSecond: 20, batchMs: 1600 },
    ]);
    const partial = { heldOut, widefield, cost: { runtimes: [slow], scenario: { megapixels: 12, candidates: 100, cores: 2 }, loadAverage: [1, 1, 1] } };
    const targets = checkTargets(partial);
    expect(targets.map((t) => t.met)).toEqual([true, true, true, true, false]);
    const report: EvaluationReport = {
      date: '2026-01-01',
      model: { dir: 'm', name: 'test-model', version: '1', inputSize: 128, embeddingSize: 8 },
      data: { dir: 'd', splitRule: 'rule', trainImages: { melanoma: 1 }, heldOutImages: { melanoma: 1 } },
      ...partial,
      targets,
      seconds: { total: 1 },
    };
    const md = renderEvaluationMarkdown(report);
    expect(md).toContain('test-model');
    expect(md).toContain('| SPL-vs-rest AUROC, held-out ISIC crops | >= 0.75 | 1.000');
    expect(md).toContain('**no**');
    expect(md).toContain('90.3 %');
    expect(md).toContain('Youden on the training folds');
  });
});
