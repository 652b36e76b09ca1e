import { ratio } from '../stats.js';
import type { BenchResults } from '../types.js';
import type { Chart } from './svg.js';

/** The plot of a run: throughput against concurrency (experiments 2 and 3), scale-out bars, projection. */
export function chartsOf(results: BenchResults): Chart[] {
  const charts: Chart[] = [];
  const grpc = results.grpc;
  if (grpc !== undefined) {
    const concurrencies = [...new Set(grpc.rows.map((row) => row.concurrency))].sort((a, b) => a - b);
    const onnx = (results.raw?.rows ?? []).filter((row) => row.runtime === 'onnxruntime');
    const limit = onnx.length > 0 ? Math.max(...onnx.map((row) => row.cropsPerSecond)) : Number.NaN;
    charts.push({
      kind: 'line',
      title: '2. Classifier over gRPC, batch-1 calls (1 replica)',
      xLabel: 'concurrent callers',
      yLabel: 'crops/s',
      logX: true,
      xTicks: concurrencies,
      series: [
        ...grpc.modes.map((mode) => ({
          name: mode.id === 'off' ? 'batching off' : mode.id === 'on' ? 'batching on (as shipped)' : 'batching on (max 32, 1 ms)',
          points: grpc.rows.filter((row) => row.mode === mode.id).map((row) => [row.concurrency, row.cropsPerSecond] as const),
        })),
        ...(Number.isFinite(limit) ? [{ name: 'raw in-process limit', dashed: true, points: concurrencies.map((c) => [c, limit] as const) }] : []),
      ],
    });
  }
  const e2e = results.e2e;
  if (e2e !== undefined) {
    const concurrencies = [...new Set(e2e.rows.map((row) => row.concurrency))].sort((a, b) => a - b);
    const replicaCounts = [...new Set(e2e.rows.map((row) => row.replicas))];
    charts.push({
      kind: 'line',
      title: `3. POST /v1/analyses, ${Math.round((e2e.photo.width * e2e.photo.height) / 1e6)} MP photo`,
      xLabel: 'concurrent clients',
      yLabel: 'photos/s',
      logX: true,
      xTicks: concurrencies,
      series: replicaCounts.map((replicas) => ({
        name: `${replicas} classifier replica${replicas === 1 ? '' : 's'}`,
        points: e2e.rows.filter((row) => row.replicas === replicas).map((row) => [row.concurrency, row.requestsPerSecond] as const),
      })),
    });
  }
  const scaleout = results.scaleout;
  if (scaleout !== undefined) {
    const grpcOne = scaleout.grpc.find((row) => row.replicas === 1)?.cropsPerSecond;
    const seedOne = scaleout.seed.find((row) => row.replicas === 1)?.requestsPerSecond;
    charts.push({
      kind: 'bar',
      title: '4. Scale-out: throughput relative to 1 replica',
      yLabel: 'x one replica',
      groups: [
        { label: 'gRPC ModelInfer, 16 callers', bars: scaleout.grpc.map((row) => ({ name: `${row.replicas} replica${row.replicas === 1 ? '' : 's'}`, value: ratio(row.cropsPerSecond, grpcOne) })) },
        { label: 'REST /v1/classify, 16 x 10', bars: scaleout.seed.map((row) => ({ name: `${row.replicas} replica${row.replicas === 1 ? '' : 's'}`, value: ratio(row.requestsPerSecond, seedOne) })) },
      ],
      reference: { value: 1.7, label: 'target 1.7 x (gRPC)' },
    });
    const rows = scaleout.projection.rows;
    const grpcBase = rows.find((row) => row.replicas === 1)?.grpcCropsPerSecond;
    const restBase = rows.find((row) => row.replicas === 1)?.restRequestsPerSecond;
    charts.push({
      kind: 'line',
      title: '4. PROJECTION (bottleneck model), not measured',
      xLabel: 'classifier replicas',
      yLabel: 'x one replica (model)',
      logX: true,
      xTicks: rows.map((row) => row.replicas),
      series: [
        { name: 'gRPC tier, projected', dashed: true, points: rows.map((row) => [row.replicas, ratio(row.grpcCropsPerSecond, grpcBase)] as const) },
        { name: 'REST /v1/classify, projected', dashed: true, points: rows.map((row) => [row.replicas, ratio(row.restRequestsPerSecond, restBase)] as const) },
      ],
    });
  }
  const overload = results.overload;
  if (overload !== undefined && overload.acceptedPerSecond.length > 0) {
    const seconds = overload.acceptedPerSecond.map((_, i) => i + 1);
    const step = Math.max(1, Math.ceil(seconds.length / 10));
    charts.push({
      kind: 'line',
      title: `5. Overload: ${overload.route} at ${(overload.offeredRate / overload.saturation.requestsPerSecond).toFixed(1)} x saturation`,
      xLabel: `second of the run (sending for the first ${overload.seconds} s)`,
      yLabel: '200 answers/s',
      xTicks: seconds.filter((second) => second === 1 || second % step === 0),
      series: [
        { name: '200 answers in that second', points: overload.acceptedPerSecond.map((count, i) => [i + 1, count] as const) },
        { name: 'saturation (closed loop)', dashed: true, points: seconds.map((second) => [second, overload.saturation.requestsPerSecond] as const) },
      ],
    });
  }
  return charts;
}
