import { describe, expect, it } from 'vitest';
import { parseOnly } from '../src/args.js';
import { cpuModel } from '../src/machine.js';
import { parseMachineBusySeconds, parseStatCpuSeconds, parseStatusBytes } from '../src/proc.js';
import { formatDuration, renderBar } from '../src/progress.js';
import { project, sharedCoresBound } from '../src/projection.js';
import { classifierCounters, parseMetrics, serverSplit, sumOf } from '../src/prometheus.js';
import { percentile, ratio, summarize } from '../src/stats.js';
import { admissionAtKnee, admissionSummary } from '../src/admission.js';

describe('percentiles', () => {
  it('interpolates linearly between closest ranks, as numpy does', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 90)).toBeCloseTo(46);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });

  it("summarises samples as perf_analyzer reports them", () => {
    const summary = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(summary).toEqual({ n: 100, mean: 50.5, p50: 50.5, p90: 90.1, p95: 95.05, p99: 99.01, max: 100 });
    expect(summarize([]).p99).toBeNaN();
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
  });
});

describe('Prometheus text', () => {
  const text = [
    '# HELP classifier_queue_wait_seconds wait',
    '# TYPE classifier_queue_wait_seconds histogram',
    'classifier_queue_wait_seconds_bucket{le="0.001",service="classifier"} 3',
    'classifier_queue_wait_seconds_sum{service="classifier"} 0.5',
    'classifier_queue_wait_seconds_count{service="classifier"} 100',
    'classifier_inference_seconds_sum{service="classifier"} 2',
    'classifier_inference_seconds_count{service="classifier"} 20',
    'classifier_batch_size_sum{service="classifier"} 100',
    'classifier_requests_total{outcome="rejected",service="classifier"} 7',
    'classifier_requests_total{outcome="ok",service="classifier"} 93',
    'grpc_server_handling_seconds_sum{service="classifier",grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer"} 1',
    'grpc_server_handling_seconds_count{service="classifier",grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer"} 100',
    'grpc_server_handling_seconds_count{service="classifier",grpc_service="grpc.health.v1.Health",grpc_method="Check"} 9',
    'grpc_server_handled_total{service="classifier",grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer",grpc_code="OK"} 93',
    'grpc_server_handled_total{service="classifier",grpc_service="inference.GRPCInferenceService",grpc_method="ModelInfer",grpc_code="RESOURCE_EXHAUSTED"} 7',
    'odd_label{text="a \\"quoted\\" value"} 1e3',
  ].join('\n');

  it('parses samples with labels, escapes and exponents', () => {
    const samples = parseMetrics(text);
    expect(samples).toHaveLength(14);
    expect(samples.at(-1)).toEqual({ name: 'odd_label', labels: { text: 'a "quoted" value' }, value: 1000 });
    expect(sumOf(samples, 'classifier_requests_total')).toBe(100);
    expect(sumOf(samples, 'classifier_requests_total', { outcome: 'rejected' })).toBe(7);
  });

  it("splits a window's server time into queue and compute from counter differences", () => {
    const after = classifierCounters(parseMetrics(text));
    const before = { ...after, queueWaitSecondsSum: 0.1, queueWaitCount: 20, inferenceSecondsSum: 1, batches: 10, items: 20, handlingSecondsSum: 0.2, handledCalls: 20, rejected: 2, failedCalls: 1 };
    const split = serverSplit([before], [after]);
    // 80 crops waited 0.4 s; 10 batches of 80 crops took 1 s.
    expect(split.queueMsPerCrop).toBeCloseTo(5);
    expect(split.computeMsPerBatch).toBeCloseTo(100);
    expect(split.computeMsPerCrop).toBeCloseTo(12.5);
    expect(split.meanBatch).toBeCloseTo(8);
    expect(split.handlingMsPerCall).toBeCloseTo(10);
    expect(split.rejected).toBe(5);
    // 7 ModelInfer calls ended other than OK, 1 of them before the window.
    expect(split.failedCalls).toBe(6);
    expect(split.calls).toBe(80);
    expect(serverSplit([after], [after]).meanBatch).toBeNaN();
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime after a command name holding spaces and parentheses', () => {
    const stat = '4242 (node (main) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 0 0';
    expect(parseStatCpuSeconds(stat, 100)).toBeCloseTo(3);
  });

  it("reads the machine's busy time from /proc/stat, idle and iowait left out", () => {
    const stat = 'cpu  100 20 30 5000 40 6 4 10 0 0\ncpu0 50 10 15 2500 20 3 2 5 0 0\nintr 1 2 3\n';
    expect(parseMachineBusySeconds(stat, 100)).toBeCloseTo(1.7);
    expect(parseMachineBusySeconds('intr 1', 100)).toBeNaN();
  });

  it('reads VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 2000 kB\nVmHWM:\t  1536 kB\nVmRSS:\t 1024 kB\n';
    expect(parseStatusBytes(status, 'VmHWM')).toBe(1536 * 1024);
    expect(parseStatusBytes('Name: x', 'VmHWM')).toBeNaN();
  });

  it('reads the CPU model from /proc/cpuinfo', () => {
    expect(cpuModel('processor\t: 0\nmodel name\t: Test CPU @ 2.0GHz\nflags\t: x\n')).toBe('Test CPU @ 2.0GHz');
  });
});

describe('projection', () => {
  const demands = { classifierPerCrop: 0.002, gatewayPerRequest: 0.001, tilerPerRequest: 0.004, classifierPerRequest: 0.005 };

  it('is the slowest stage, with the classifier tier growing with its replicas', () => {
    const rows = project(demands, { replicas: [1, 2, 4], gatewayCores: 1, tilerCores: 1 }, { grpc: new Map([[1, 450]]), rest: new Map() });
    expect(rows.map((row) => row.grpcCropsPerSecond)).toEqual([500, 1000, 2000]);
    expect(rows.map((row) => row.restRequestsPerSecond)).toEqual([200, 250, 250]);
    expect(rows.map((row) => row.restBottleneck)).toEqual(['classifier', 'tiler', 'tiler']);
    expect(rows[0].measuredGrpcCropsPerSecond).toBe(450);
    expect(rows[1].measuredGrpcCropsPerSecond).toBeUndefined();
  });

  it('bounds shared cores by the total CPU per request', () => {
    expect(sharedCoresBound(2, { gateway: 0.001, tiler: 0.003, classifier: 0.004, missing: Number.NaN })).toBeCloseTo(250);
  });
});

describe('command line and progress', () => {
  it('accepts experiment names and numbers, in run order', () => {
    expect(parseOnly(undefined)).toEqual(['raw', 'grpc', 'e2e', 'scaleout', 'overload', 'blobs']);
    expect(parseOnly('5,blobs,1')).toEqual(['raw', 'overload', 'blobs']);
    expect(() => parseOnly('6')).toThrow(/unknown experiment "6"/);
    expect(() => parseOnly(',')).toThrow(/at least one/);
  });

  it('draws the bar and the durations', () => {
    expect(renderBar(0.5, 10)).toBe('[#####-----]');
    expect(renderBar(2, 4)).toBe('[####]');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(9.4)).toBe('9s');
  });
});

describe('admissionAtKnee', () => {
  it("serves about Little's-law concurrency at saturation with headroom, and queues none", () => {
    // 120 requests/s x 15 ms = 1.8 requests in service at the knee; x 1.5 = 2.7 -> 3.
    expect(admissionAtKnee(120, 15)).toEqual({ maxInFlight: 3, maxQueued: 0, maxQueueWaitMs: 0 });
    expect(admissionAtKnee(400, 100).maxInFlight).toBe(60);
  });

  it('never goes below two in flight', () => {
    expect(admissionAtKnee(10, 5).maxInFlight).toBe(2);
  });

  it('says in words what the gateway is restarted with', () => {
    expect(admissionSummary(admissionAtKnee(120, 15))).toBe('3 in flight, no queue');
    expect(admissionSummary({ maxInFlight: 4, maxQueued: 4, maxQueueWaitMs: 33 })).toBe('4 in flight + 4 queued, 33 ms longest wait');
  });
});
