import { describe, expect, it } from 'vitest';
import { chartsOf } from '../src/report/charts.js';
import { fmt, renderMarkdown, table } from '../src/report/markdown.js';
import { escapeXml, niceTicks, renderDocument } from '../src/report/svg.js';
import { evaluateTargets, idlest } from '../src/targets.js';
import type { BenchResults } from '../src/types.js';
import { fixtureResults } from './fixture.js';

function withTargets(results: BenchResults): BenchResults {
  results.targets = evaluateTargets(results);
  return results;
}

const verdicts = (results: BenchResults) => Object.fromEntries(evaluateTargets(results).map((row) => [row.id, row.verdict]));

describe('evaluateTargets', () => {
  it("judges each of the issue's targets from the figures", () => {
    const rows = evaluateTargets(fixtureResults());
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    // The median of the back-to-back pairs' ratios 0.90, 0.80 and 0.95.
    expect(byId['serving-efficiency'].value).toBeCloseTo(0.9);
    expect(byId['serving-efficiency'].measured).toContain('median of 3 back-to-back pairs (served / raw: 0.90, 0.80, 0.95)');
    expect(byId['runtime'].value).toBeCloseTo(240 / 60);
    expect(byId['scale-out-grpc'].value).toBeCloseTo(1.5);
    expect(byId['scale-out-rest'].value).toBeCloseTo(200 / 160);
    expect(byId['e2e-12mp'].value).toBeCloseTo(0.95);
    expect(byId['blob-detection'].value).toBeCloseTo(600 / 250);
    // Accepted p99 of 20..40 ms against an unloaded p99 of 12 ms (linear interpolation: 39.8 / 11.96).
    expect(byId['overload-p99'].value).toBeCloseTo(39.8 / 11.96, 2);
    expect(byId['overload-rss'].value).toBeCloseTo(1.8);
    expect(verdicts(fixtureResults())).toEqual({
      'serving-efficiency': 'PASS',
      runtime: 'PASS',
      'scale-out-grpc': 'MISS',
      'scale-out-rest': 'INFO',
      'e2e-12mp': 'PASS',
      'blob-detection': 'PASS',
      'overload-p99': 'MISS',
      'overload-rss': 'MISS',
    });
  });

  it('explains a missed scale-out with the cores the replicas and the load generator used', () => {
    const row = evaluateTargets(fixtureResults()).find((target) => target.id === 'scale-out-grpc');
    expect(row?.explanation).toContain('two replicas used 1.45 cores and the load generator 0.50');
    expect(row?.explanation).toContain('other processes on the machine took 0.30 cores in that window');
  });

  it('takes the scale-out from the median of the rounds when there are several, and lists them', () => {
    const rounds = fixtureResults();
    rounds.scaleout = {
      ...rounds.scaleout!,
      grpcRounds: [
        [{ replicas: 1, cropsPerSecond: 200 }, { replicas: 2, cropsPerSecond: 360 }],
        [{ replicas: 2, cropsPerSecond: 300 }, { replicas: 1, cropsPerSecond: 250 }],
        [{ replicas: 1, cropsPerSecond: 180 }, { replicas: 2, cropsPerSecond: 324 }],
      ],
    };
    const row = evaluateTargets(rounds).find((target) => target.id === 'scale-out-grpc');
    // Ratios 1.80, 1.20 and 1.80: the median is 1.80, where the single round's rows say 1.50.
    expect(row?.value).toBeCloseTo(1.8);
    expect(row?.verdict).toBe('PASS');
    expect(row?.measured).toContain('median of 3 rounds, the order of 1 and 2 replicas alternating (2 / 1: 1.80, 1.20, 1.80)');
    const markdown = renderMarkdown(withTargets(rounds));
    expect(markdown).toContain('| 2 | 2, 1 | 250.0 | 300.0 | 1.20 |');
    expect(renderMarkdown(withTargets(fixtureResults()))).not.toContain('**Rounds**');
  });

  it("explains the REST ratio by the CPU each process spends per request on the shared cores", () => {
    const row = evaluateTargets(fixtureResults()).find((target) => target.id === 'scale-out-rest');
    // 10 CPU ms per request in all on 2 cores: at most 200 requests/s; the classifier does 4 of the 10 ms.
    expect(row?.explanation).toContain('caps the whole system at 200 requests/s');
    expect(row?.explanation).toContain('only 40 % of that work');
  });

  it('takes the 12 MP idle figure from the least disturbed window, 2 replicas when both were quiet', () => {
    const idle = (replicas: number, otherCores: number) => ({ replicas, requests: 10, p50Ms: 1000 + replicas, stagesMedianMs: {}, otherCores });
    expect(idlest([idle(1, 0), idle(2, 0.05)])?.replicas).toBe(2);
    expect(idlest([idle(1, 0), idle(2, 1.2)])?.replicas).toBe(1);
    expect(idlest([idle(1, 0.9), idle(2, 0.2)])?.replicas).toBe(2);
    expect(idlest([])).toBeUndefined();
  });

  it('marks targets of experiments that did not run as NOT RUN', () => {
    const results = fixtureResults();
    delete results.overload;
    delete results.blobs;
    const v = verdicts(results);
    expect(v['overload-p99']).toBe('NOT RUN');
    expect(v['overload-rss']).toBe('NOT RUN');
    expect(v['blob-detection']).toBe('NOT RUN');
    expect(v['runtime']).toBe('PASS');
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(withTargets(fixtureResults()));

  it('states the machine and the load before and after the run', () => {
    expect(markdown).toContain('| 2 | Test CPU <fast> & cheap | 8 GiB | v20.0.0 | Linux test x64 | 0.20 / 0.30 / 0.40 | 1.50 / 1.00 / 0.60 |');
    expect(markdown).toContain('a run of 9 min 0 s');
  });

  it('has a section per experiment and the targets table with verdicts', () => {
    for (const heading of ['## Targets', '## 1. The limit', '## 2. The classifier over gRPC', '## 3. End to end', '## 4. Scale-out', '### PROJECTION', '## 5. Overload', '## Blob detection', '## Method', '## Notes']) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toMatch(/\| 16 concurrent batch-1 ModelInfer calls over gRPC[^\n]*\| 1\.50 x \| >= 1\.7 x \| \*\*MISS\*\* \|/);
    expect(markdown).toContain('**"Batching off" means `CLASSIFIER_MAX_BATCH=1`**');
  });

  it('writes the per-concurrency rows with percentiles and the server-side split', () => {
    // Concurrency 16, batching on: latency 80..179 ms; p50 = 129.5, queue 1.5 ms, batch 8.
    expect(markdown).toContain('| 16 | 500.0 | 129.5 | 169.1 | 174.1 | 178.0 | 1.50 | 24.0 | 8.0 | 1.00 | 0.30 | 0.05 | – |');
  });

  it('reports the raw limit beside busy cores and uses it to explain the serving efficiency', () => {
    expect(markdown).toContain('**Beside busy cores**');
    expect(markdown).toContain('| ONNX Runtime | cpu | 1 | 320.0 | 3.13 | 1600 | 5.0 | 1.00 |');
    // Explanations come with misses: a raw limit of 1000 crops/s makes gRPC's 500 one.
    const missed = fixtureResults();
    missed.grpc = { ...missed.grpc!, efficiencyPairs: undefined };
    missed.raw = { ...missed.raw!, rows: missed.raw!.rows.map((row) => (row.runtime === 'onnxruntime' && row.batch === 1 ? { ...row, cropsPerSecond: 1000 } : row)) };
    const efficiency = evaluateTargets(missed).find((row) => row.id === 'serving-efficiency');
    expect(efficiency?.verdict).toBe('MISS');
    expect(efficiency?.explanation).toContain("the raw limit at batch 1 was 320 crops/s, 0.32 x its idle value: on this machine a core's neighbour slows it");
    const drifted = { ...missed, raw: { ...missed.raw!, besideBusyRows: missed.raw!.besideBusyRows!.map((row) => ({ ...row, cropsPerSecond: 1100 })) } };
    expect(evaluateTargets(drifted).find((row) => row.id === 'serving-efficiency')?.explanation).toContain("1.10 x its idle value: no slower than idle, so in this run the host's drift");
  });

  it('falls back to experiment 2 over experiment 1 without back-to-back pairs', () => {
    const older = fixtureResults();
    older.grpc = { ...older.grpc!, efficiencyPairs: undefined };
    // gRPC on at 16 = 100 * log2(32) = 500 crops/s; the ONNX limit is its best raw row, 400.
    expect(evaluateTargets(older).find((row) => row.id === 'serving-efficiency')?.value).toBeCloseTo(500 / 400);
    expect(renderMarkdown(withTargets(older))).not.toContain('back-to-back pairs');
  });

  it('says which program sent the gRPC calls and how h2load\'s answers were checked', () => {
    expect(markdown).toContain('a load generator in another process (services/classifier/src/bench/load-cli.ts)');
    const h2load = fixtureResults();
    h2load.grpc = { ...h2load.grpc!, client: 'h2load' };
    h2load.scaleout = { ...h2load.scaleout!, grpcClient: 'h2load' };
    const text = renderMarkdown(withTargets(h2load));
    expect(text).toContain("h2load (nghttp2's C client, Debian's nghttp2-client) in another process");
    expect(text).toContain('checked against the classifier\'s own count of calls answered OK');
    expect(text).toContain('over gRPC from h2load as in experiment 2');
  });

  it('lists the back-to-back efficiency pairs with the side that ran first', () => {
    expect(markdown).toContain('3 rounds of the raw limit at batch 8 (3 s)');
    expect(markdown).toContain('| 2 | served | 300.0 | 8 | 240.0 | 0.80 |');
    const older = fixtureResults();
    older.grpc = { ...older.grpc!, efficiencyPairs: older.grpc!.efficiencyPairs!.map(({ first: _first, ...pair }) => pair) };
    expect(renderMarkdown(withTargets(older))).toContain('| 2 | raw | 300.0 | 8 | 240.0 | 0.80 |');
  });

  it('reports the shipped blob detector beside its single-thread time and OpenCV', () => {
    expect(markdown).toContain('| ours, as shipped (2 threads) | 250 | 240, 250, 260 | 100 |');
    expect(markdown).toContain('| ours, 1 thread | 400 | 390, 400, 410 | 100 |');
    const differing = fixtureResults();
    differing.blobs = { ...differing.blobs!, threadsAgree: false };
    expect(renderMarkdown(withTargets(differing))).toContain('differ from the shipped detector!');
  });

  it('escapes pipes inside cells and says when the ONNX manifest was patched', () => {
    expect(markdown).toContain('a note with a | pipe');
    expect(markdown).toContain('did not name its ONNX export yet');
    expect(table(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n|---|---:|\n| x\\|y | 1 |');
  });

  it('marks quick and partial runs', () => {
    const results = fixtureResults();
    const quick = renderMarkdown({ ...results, quick: true, experiments: ['raw'] });
    expect(quick).toContain('Quick smoke run');
    expect(quick).toContain('Partial run: experiments raw only');
    expect(renderMarkdown(results)).not.toContain('Quick smoke run');
  });

  it('prints a dash for figures that were not measured', () => {
    expect(fmt(Number.NaN)).toBe('–');
    expect(fmt(undefined)).toBe('–');
    expect(fmt(1.234, 2)).toBe('1.23');
  });
});

describe('SVG plot', () => {
  const svg = renderDocument('bench <2 cores> & more', chartsOf(fixtureResults()));

  it('is one SVG document with a panel per chart and escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g transform=/g)).toHaveLength(5);
    expect(svg).toContain('bench &lt;2 cores&gt; &amp; more');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws a line per batching mode and per replica count, and the projection dashed', () => {
    const charts = chartsOf(fixtureResults());
    expect(charts.map((chart) => chart.title)).toEqual([
      '2. Classifier over gRPC, batch-1 calls (1 replica)',
      '3. POST /v1/analyses, 12 MP photo',
      '4. Scale-out: throughput relative to 1 replica',
      '4. PROJECTION (bottleneck model), not measured',
      '5. Overload: /v1/classify at 2.0 x saturation',
    ]);
    // Two modes and the dashed raw limit, two replica counts, two dashed projection lines, overload and its dashed saturation.
    expect(svg.match(/<polyline /g)).toHaveLength(3 + 2 + 2 + 2);
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(4);
    // Scale-out bars: 1 and 2 replicas for gRPC and for REST.
    expect(svg.match(/<rect x=/g)).toHaveLength(4);
  });

  it('leaves out points it cannot place', () => {
    const results = fixtureResults();
    results.grpc!.rows[0] = { ...results.grpc!.rows[0], cropsPerSecond: Number.NaN };
    expect(renderDocument('t', chartsOf(results))).not.toMatch(/NaN/);
  });

  it('chooses ticks on steps of 1, 2 or 5 that cover the maximum', () => {
    expect(niceTicks(480)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(1.7)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
