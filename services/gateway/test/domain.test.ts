import { describe, expect, it } from 'vitest';
import { assembleAnalysis, classifyLesions, countClasses, pigmentedLesions, type PhotoInput } from '../src/domain/analysis.js';
import { argmax, CLASS_NAMES, type ClassIndex } from '../src/domain/classes.js';
import { correctClass } from '../src/domain/correction.js';
import { parseModelMetadata } from '../src/domain/model-info.js';
import { marksFor } from '../src/domain/pictures.js';
import { riskLabel } from '../src/domain/risk.js';
import { chunkRanges, gatherItems, groupBySize, MIN_SPREAD_CHUNK, readFloat32LE } from '../src/domain/tensors.js';
import { candidateCap } from '../src/services/pipeline.js';

describe('correctClass (pipeline.md step 5)', () => {
  const c = (predicted: ClassIndex, skinFraction: number, centreBlobCount: number) => correctClass(predicted, { skinFraction, centreBlobCount });

  it('turns background or skin on all-skin crops with a centre blob into nspl_a', () => {
    expect(c(0, 1.0, 1)).toBe(3);
    expect(c(2, 1.0, 3)).toBe(3);
    // s must reach 1.0 exactly; n must be at least 1.
    expect(c(0, 0.999, 1)).toBe(0);
    expect(c(2, 0.999, 1)).toBe(2);
    expect(c(0, 1.0, 0)).toBe(0);
    expect(c(2, 1.0, 0)).toBe(2);
  });

  it('turns skin_edge on crops with s >= 0.995 and a centre blob into nspl_a', () => {
    expect(c(1, 0.995, 1)).toBe(3);
    expect(c(1, 1.0, 2)).toBe(3);
    expect(c(1, 0.9949, 1)).toBe(1);
    expect(c(1, 1.0, 0)).toBe(1);
  });

  it('leaves a 0/1/2 prediction alone otherwise', () => {
    expect(c(0, 0.5, 1)).toBe(0);
    expect(c(1, 0.5, 0)).toBe(1);
    expect(c(2, 0.2, 4)).toBe(2);
  });

  it('turns a lesion prediction without a centre blob into skin, whatever s', () => {
    for (const predicted of [3, 4, 5] as const) {
      expect(c(predicted, 1.0, 0)).toBe(2);
      expect(c(predicted, 0.0, 0)).toBe(2);
      expect(c(predicted, 0.3, 0)).toBe(2);
    }
  });

  it('turns a lesion prediction with a blob mostly off skin into background or skin_edge', () => {
    for (const predicted of [3, 4, 5] as const) {
      expect(c(predicted, 0, 1)).toBe(0);
      expect(c(predicted, 0.125, 1)).toBe(0);
      expect(c(predicted, 0.1251, 1)).toBe(1);
      expect(c(predicted, 0.5, 2)).toBe(1);
      expect(c(predicted, 0.5001, 1)).toBe(predicted);
      expect(c(predicted, 1.0, 1)).toBe(predicted);
    }
  });
});

describe('riskLabel (pipeline.md step 8)', () => {
  it.each([
    // [pigmented, n4, n5, expected]
    [0, 0, 0, 'LOW'],
    [19, 0, 0, 'LOW'],
    [20, 0, 0, 'MEDIUM'],
    [49, 0, 0, 'MEDIUM'],
    [50, 0, 0, 'HIGH'],
    [5, 1, 0, 'MEDIUM'],
    [5, 2, 0, 'MEDIUM'],
    [5, 3, 0, 'HIGH'],
    [19, 0, 1, 'HIGH'],
    [1, 0, 1, 'HIGH'],
    [49, 2, 0, 'MEDIUM'],
    [19, 1, 0, 'MEDIUM'],
  ] as const)('n_pl=%i n4=%i n5=%i -> %s', (pigmented, nsplB, spl, expected) => {
    expect(riskLabel({ pigmented, nsplB, spl })).toBe(expected);
  });
});

describe('counts and classes', () => {
  it('counts every class name, zeros included', () => {
    expect(countClasses([5, 3, 3, 0])).toEqual({ background: 1, skin_edge: 0, skin: 0, nspl_a: 2, nspl_b: 0, spl: 1 });
    expect(countClasses([])).toEqual(Object.fromEntries(CLASS_NAMES.map((name) => [name, 0])));
  });

  it('refuses a class index outside 0..5', () => {
    expect(() => countClasses([6])).toThrow(RangeError);
  });

  it('argmax breaks ties towards the lowest index', () => {
    expect(argmax([0.1, 0.4, 0.4, 0.1])).toBe(1);
    expect(argmax([9, 0.2, 0.3, 0.5], 1, 3)).toBe(2);
  });
});

function photoInput(candidates: Array<{ blobs: number; skin: number; d?: number }>, blurred = false): PhotoInput {
  return {
    width: 100,
    height: 80,
    blurScore: 9,
    blurThreshold: 3,
    blurred,
    skinFraction: 0.6,
    adjustment: 'ADJUSTMENT_STRETCH_AND_CLAHE',
    truncated: false,
    timingsMs: {},
    candidates: candidates.map((candidate, index) => ({
      x: 10 * index,
      y: 5,
      diameter: candidate.d ?? 4,
      x0: 0,
      y0: 1,
      x1: 2,
      y1: 3,
      centreBlobCount: candidate.blobs,
      centreBlobShare: 0.2,
      cropSkinFraction: candidate.skin,
    })),
  };
}

/** [N, 6] rows that are one-hot-ish on the given classes. */
function rows(classes: number[]): Float32Array {
  const values = new Float32Array(classes.length * 6).fill(0.02);
  classes.forEach((cls, row) => (values[row * 6 + cls] = 0.9));
  return values;
}

describe('classifyLesions and assembleAnalysis', () => {
  const photos = [photoInput([{ blobs: 1, skin: 0.9 }, { blobs: 0, skin: 0.9 }]), photoInput([], true), photoInput([{ blobs: 1, skin: 1 }, { blobs: 1, skin: 0.9 }])];
  const probabilities = rows([5, 4, 2, 3]);

  it('names lesions per photo, keeps the model class and applies the correction', () => {
    const lesions = classifyLesions(photos, probabilities, true);
    expect(lesions.map((lesion) => [lesion.id, lesion.photo, lesion.row, lesion.modelClass, lesion.finalClass])).toEqual([
      ['p0-l0', 0, 0, 5, 5],
      ['p0-l1', 0, 1, 4, 2], // no centre blob -> skin
      ['p2-l0', 2, 2, 2, 3], // skin on a pure-skin crop with a blob -> nspl_a
      ['p2-l1', 2, 3, 3, 3],
    ]);
    expect(pigmentedLesions(lesions).map((lesion) => lesion.id)).toEqual(['p0-l0', 'p2-l0', 'p2-l1']);
  });

  it('keeps the model class when correction is off', () => {
    const lesions = classifyLesions(photos, probabilities, false);
    expect(lesions.map((lesion) => lesion.finalClass)).toEqual([5, 4, 2, 3]);
  });

  it('refuses a probability tensor of the wrong length', () => {
    expect(() => classifyLesions(photos, rows([5, 4, 2]), true)).toThrow(RangeError);
  });

  it('maps UD results back by id and derives counts and risk', () => {
    const lesions = classifyLesions(photos, probabilities, true);
    const report = assembleAnalysis({
      model: { name: 'm', version: '1' },
      correction: true,
      photos,
      lesions,
      uglyDuckling: {
        ranked: true,
        scores: new Map([
          ['p0-l0', { score: 1, rank: 1 }],
          ['p2-l0', { score: 0, rank: 3 }],
          ['p2-l1', { score: 0.4, rank: 2 }],
        ]),
      },
      timingsMs: { tile: 1, classify: 2, uglyDuckling: 3, total: 7 },
    });
    expect(report.lesions.map((lesion) => [lesion.id, lesion.modelClass, lesion.class, lesion.udScore, lesion.udRank])).toEqual([
      ['p0-l0', 'spl', 'spl', 1, 1],
      ['p0-l1', 'nspl_b', 'skin', null, null],
      ['p2-l0', 'skin', 'nspl_a', 0, 3],
      ['p2-l1', 'nspl_a', 'nspl_a', 0.4, 2],
    ]);
    expect(report.lesions[0].box).toEqual([0, 1, 2, 3]);
    expect(report.lesions[0].probabilities).toEqual({ background: 0.02, skin_edge: 0.02, skin: 0.02, nspl_a: 0.02, nspl_b: 0.02, spl: 0.9 });
    expect(report.counts).toEqual({ background: 0, skin_edge: 0, skin: 1, nspl_a: 2, nspl_b: 0, spl: 1 });
    expect(report.risk).toBe('HIGH');
    expect(report.uglyDuckling).toEqual({ ranked: true, lesions: 3 });
    expect(report.photos.map((photo) => [photo.blurred, photo.candidates, photo.adjustment])).toEqual([
      [false, 2, 'stretch_and_clahe'],
      [true, 0, 'stretch_and_clahe'],
      [false, 2, 'stretch_and_clahe'],
    ]);
  });

  it('gives null UD fields and the reason when there is no ranking', () => {
    const lesions = classifyLesions(photos, probabilities, false);
    const report = assembleAnalysis({
      model: { name: 'm', version: '1' },
      correction: false,
      photos,
      lesions,
      uglyDuckling: { ranked: false, reason: 'only 2', scores: new Map([['p0-l0', { score: 1, rank: 1 }]]) },
      timingsMs: { tile: 0, classify: 0, uglyDuckling: 0, total: 0 },
    });
    expect(report.lesions.every((lesion) => lesion.udScore === null && lesion.udRank === null)).toBe(true);
    expect(report.uglyDuckling).toEqual({ ranked: false, reason: 'only 2', lesions: 3 });
    // One spl (n5 = 1) is HIGH whatever the ranking.
    expect(report.risk).toBe('HIGH');
  });
});

describe('marksFor (pipeline.md step 9)', () => {
  const photos = [photoInput([{ blobs: 1, skin: 0.9 }, { blobs: 1, skin: 0.9 }, { blobs: 1, skin: 0.9 }, { blobs: 1, skin: 0.9 }]), photoInput([{ blobs: 1, skin: 0.9 }])];
  const lesions = classifyLesions(photos, rows([5, 4, 3, 2, 5]), true);
  const report = assembleAnalysis({
    model: { name: 'm', version: '1' },
    correction: true,
    photos,
    lesions,
    uglyDuckling: { ranked: true, scores: new Map([['p0-l0', { score: 0.7, rank: 2 }], ['p0-l1', { score: 1, rank: 1 }], ['p0-l2', { score: 0, rank: 4 }], ['p1-l0', { score: 0.5, rank: 3 }]]) },
    timingsMs: { tile: 0, classify: 0, uglyDuckling: 0, total: 0 },
  });

  it('boxes classes 4 and 5 of the chosen photo only', () => {
    expect(marksFor('boxes', report.lesions, 0).map((mark) => [mark.label, mark.classIndex])).toEqual([
      ['p0-l0', 5],
      ['p0-l1', 4],
    ]);
    expect(marksFor('boxes', report.lesions, 1).map((mark) => mark.label)).toEqual(['p1-l0']);
  });

  it('heat map and montage take the pigmented lesions with their UD results', () => {
    const marks = marksFor('heatmap', report.lesions, 0);
    expect(marks.map((mark) => [mark.label, mark.hasUd, mark.udScore, mark.udRank])).toEqual([
      ['p0-l0', true, 0.7, 2],
      ['p0-l1', true, 1, 1],
      ['p0-l2', true, 0, 4],
    ]);
    expect(marksFor('montage', report.lesions, 0)).toEqual(marks);
  });
});

describe('tensors and chunks', () => {
  it('reads little-endian float32 from unaligned bytes', () => {
    const bytes = Buffer.alloc(13);
    bytes.writeFloatLE(1.5, 1);
    bytes.writeFloatLE(-2.25, 5);
    bytes.writeFloatLE(0.1, 9);
    const values = readFloat32LE(bytes.subarray(1), 3);
    expect(Array.from(values)).toEqual([1.5, -2.25, Math.fround(0.1)]);
    expect(() => readFloat32LE(bytes.subarray(1), 2)).toThrow(RangeError);
  });

  it('splits a count into the fewest near-equal chunks within the size', () => {
    expect(chunkRanges(10, 4)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(chunkRanges(8, 4)).toEqual([[0, 4], [4, 8]]);
    expect(chunkRanges(100, 64)).toEqual([[0, 50], [50, 100]]);
    expect(chunkRanges(0, 4)).toEqual([]);
    expect(() => chunkRanges(3, 0)).toThrow(RangeError);
  });

  it('spreads a count over more chunks when asked, none smaller than the minimum', () => {
    // 100 crops over 2 replicas, 2 calls each: four chunks of 25 instead of 64 + 36.
    expect(chunkRanges(100, 64, 4)).toEqual([[0, 25], [25, 50], [50, 75], [75, 100]]);
    expect(chunkRanges(10, 64, 4)).toEqual([[0, 5], [5, 10]]);
    expect(chunkRanges(MIN_SPREAD_CHUNK - 1, 64, 4)).toEqual([[0, MIN_SPREAD_CHUNK - 1]]);
    // The size still bounds every chunk: spreading never makes fewer chunks.
    expect(chunkRanges(80, 8, 4)).toHaveLength(10);
    for (const [start, end] of chunkRanges(1000, 64, 3)) expect(end - start).toBeLessThanOrEqual(64);
  });

  it('gathers items across segments, viewing rather than copying inside one segment', () => {
    const a = Buffer.from([1, 1, 2, 2, 3, 3]);
    const b = Buffer.from([4, 4]);
    const c = Buffer.from([5, 5, 6, 6]);
    const inside = gatherItems([a, b, c], 2, 1, 3);
    expect(Array.from(inside)).toEqual([2, 2, 3, 3]);
    expect(inside.buffer).toBe(a.buffer);
    expect(Array.from(gatherItems([a, b, c], 2, 2, 5))).toEqual([3, 3, 4, 4, 5, 5]);
    expect(Array.from(gatherItems([a, new Uint8Array(0), c], 2, 2, 4))).toEqual([3, 3, 5, 5]);
    expect(() => gatherItems([a], 2, 2, 4)).toThrow(RangeError);
  });

  it('groups by count and bytes, keeping an oversized item alone', () => {
    expect(groupBySize([1, 1, 1, 1, 1], 2, 100)).toEqual([[0, 2], [2, 4], [4, 5]]);
    expect(groupBySize([40, 40, 40, 200, 10], 10, 100)).toEqual([[0, 2], [2, 3], [3, 4], [4, 5]]);
    expect(groupBySize([], 2, 100)).toEqual([]);
  });

  it('caps candidates so one photo\'s crops fit one gRPC message', () => {
    const mib = 1024 * 1024;
    expect(candidateCap(1000, 64 * mib, 128)).toBe(1000);
    // 150 x 150 x 3 = 67,500 bytes per crop; (64 MiB - 1 MiB) / 67,500 = 978.
    expect(candidateCap(1000, 64 * mib, 150)).toBe(978);
    expect(candidateCap(5, 64 * mib, 150)).toBe(5);
  });
});

describe('parseModelMetadata', () => {
  const good = {
    name: 'spl',
    versions: ['3', '2'],
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, 96, 96, 3] }],
    outputs: [
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 6] },
      { name: 'embedding', datatype: 'FP32', shape: [-1, 1280] },
    ],
  };

  it('reads the input size and the embedding width', () => {
    expect(parseModelMetadata(good)).toEqual({ name: 'spl', version: '3', inputSize: 96, embeddingSize: 1280 });
  });

  it('lists every way a model does not fit, as a server fault', () => {
    try {
      parseModelMetadata({
        ...good,
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 96, 64, 3] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 5] }],
      });
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('INTERNAL');
      expect((error as { details: { problems: string[] } }).details.problems).toHaveLength(4);
    }
  });
});
