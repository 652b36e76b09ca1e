import { admissionSummary } from '../admission.js';
import { sharedCoresBound } from '../projection.js';
import { roundRatio } from '../scale-rounds.js';
import type { LatencySummary } from '../stats.js';
import type { BenchResults, GrpcScaleRound, LoadClient, RawRow, TargetRow } from '../types.js';

/** A number for a table: fixed decimals, "–" when not measured. */
export function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

const ms = (value: number | undefined) => fmt(value, value !== undefined && Math.abs(value) < 10 ? 2 : 1);

/** A markdown table; cells are escaped for the pipe character. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `|${header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function latencyCells(latency: LatencySummary): string[] {
  return [ms(latency.p50), ms(latency.p90), ms(latency.p95), ms(latency.p99)];
}

function statuses(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([status]) => status !== '200');
  return entries.length === 0 ? '–' : entries.map(([status, n]) => `${n} x ${status}`).join(', ');
}

function errors(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '–' : entries.map(([code, n]) => `${n} x ${code}`).join(', ');
}

const mib = (bytes: number) => fmt(bytes / 2 ** 20);

function targetValue(row: TargetRow): string {
  if (!Number.isFinite(row.value)) return '–';
  return row.unit === 'x' ? `${row.value.toFixed(2)} x` : `${row.value.toFixed(row.unit === 's' ? 3 : 2)} ${row.unit}`;
}

function thresholdText(row: TargetRow): string {
  if (row.kind === 'info') return '–';
  return `${row.kind === 'min' ? '>=' : '<='} ${row.threshold} ${row.unit === 'x' ? 'x' : row.unit}`;
}

function machineSection(results: BenchResults): string {
  const m = results.machine;
  const load = (triple: readonly number[] | undefined) => (triple === undefined ? '–' : triple.map((v) => v.toFixed(2)).join(' / '));
  const env = Object.entries(results.environment);
  return [
    '## Machine',
    '',
    table(
      ['cores (os.availableParallelism)', 'CPU', 'memory', 'Node', 'OS', 'load average before (1/5/15 min)', 'after'],
      [[String(m.cores), m.cpuModel, `${m.memoryGiB} GiB`, m.node, m.platform, load(m.loadAverageBefore), load(m.loadAverageAfter)]],
      ['l', 'l', 'l', 'l', 'l', 'l', 'l'],
    ),
    '',
    `Model: ${results.model.name} ${results.model.version} (${results.model.inputSize} px input)${results.model.onnxManifestPatched ? '; its manifest did not name its ONNX export yet, so the ONNX runs used a temporary copy of the model folder with `"onnx": {"modelPath": "model.onnx"}` added' : ''}. ` +
      'Every service ran as its own process on 127.0.0.1 (packages/stack), classifiers on ONNX Runtime with one inference thread each, logs at warn.' +
      (env.length > 0 ? ` Environment overrides in effect: ${env.map(([key, value]) => `\`${key}=${value}\``).join(', ')}.` : ''),
  ].join('\n');
}

function targetsSection(results: BenchResults): string {
  const rows = results.targets ?? [];
  const explained = rows.filter((row) => row.explanation !== undefined);
  return [
    '## Targets',
    '',
    'Benchmarks, not tests: PASS and MISS are information about this machine and this run.',
    '',
    table(
      ['target', 'measured', 'value', 'target value', 'verdict'],
      rows.map((row) => [row.target, row.measured, targetValue(row), thresholdText(row), `**${row.verdict}**`]),
      ['l', 'l', 'r', 'r', 'l'],
    ),
    ...(explained.length > 0 ? ['', 'Where the figures go:', '', ...explained.map((row) => `- **${row.id}** (${row.verdict}): ${row.explanation}.`)] : []),
  ].join('\n');
}

function rawSection(results: BenchResults): string | undefined {
  const raw = results.raw;
  if (raw === undefined) return undefined;
  const rawTable = (rows: readonly RawRow[]) =>
    table(
      ['runtime', 'backend', 'batch', 'crops/s', 'ms per batch', 'crops', 'seconds', 'other cores'],
      rows.map((row) => [
        row.runtime === 'onnxruntime' ? 'ONNX Runtime' : 'TF.js',
        row.backend,
        String(row.batch),
        fmt(row.cropsPerSecond, 1),
        ms(row.batchMs),
        String(row.crops),
        fmt(row.seconds, 1),
        fmt(row.otherCores, 2),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    );
  const parts = [
    '## 1. The limit: raw in-process inference',
    '',
    `Preprocessing (UINT8 crops to the model's float input) and one model call per batch, back to back on one thread in a process of its own, no gRPC and no batcher; at least ${raw.seconds} s and three calls per row. This is what one replica could do if serving cost nothing.`,
    '',
    rawTable(raw.rows),
  ];
  if (raw.besideBusyRows !== undefined && raw.besideBusyRows.length > 0) {
    parts.push(
      '',
      `**Beside busy cores**: ONNX Runtime again, the same way, while a spin loop pinned to every other core (${raw.busyNeighbourCores} in all) keeps it busy. A served replica's inference thread always has company: its own event loop answering gRPC, and here the load generator. Where the cores are not independent (hyperthreads of one physical core, a shared memory bus, a busy host), this is the most a replica can do while serving.`,
      '',
      rawTable(raw.besideBusyRows),
    );
  }
  return parts.join('\n');
}

function grpcSection(results: BenchResults): string | undefined {
  const grpc = results.grpc;
  if (grpc === undefined) return undefined;
  const parts = [
    '## 2. The classifier over gRPC',
    '',
    `One classifier process (ONNX Runtime, one inference thread) and ${loadGeneratorText(grpc.client)}; ${grpc.warmUpSeconds} s warm-up, then a ${grpc.seconds} s window. ` +
      '**"Batching off" means `CLASSIFIER_MAX_BATCH=1`**: every crop is its own model call. "Delay 0" keeps batching but never waits: a batch is whatever queued while the model was busy. ' +
      'Server columns come from the classifier\'s /metrics, scraped at the window\'s edges: queue = `classifier_queue_wait_seconds` per crop, compute = `classifier_inference_seconds` per model call (preprocessing included), mean batch = crops / model calls; cores = CPU seconds per second of window from /proc.',
  ];
  for (const mode of grpc.modes) {
    const rows = grpc.rows.filter((row) => row.mode === mode.id);
    parts.push(
      '',
      `**${mode.label}**`,
      '',
      table(
        ['concurrency', 'crops/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'queue ms/crop', 'compute ms/batch', 'mean batch', 'classifier cores', 'client cores', 'other cores', 'errors'],
        rows.map((row) => [
          String(row.concurrency),
          fmt(row.cropsPerSecond, 1),
          ...latencyCells(row.latencyMs),
          ms(row.server.queueMsPerCrop),
          ms(row.server.computeMsPerBatch),
          fmt(row.server.meanBatch, 1),
          fmt(row.serverCores, 2),
          fmt(row.clientCores, 2),
          fmt(row.otherCores, 2),
          errors(row.errors),
        ]),
      ),
    );
  }
  const pairs = grpc.efficiencyPairs ?? [];
  if (pairs.length > 0) {
    parts.push(
      '',
      `**Serving efficiency in back-to-back pairs**: ${pairs.length} round${pairs.length === 1 ? '' : 's'} of the raw limit at batch ${pairs[0]!.rawBatch} (${pairs[0]!.seconds} s) and ${pairs[0]!.seconds} s of the shipped mode at concurrency 16 on one classifier kept running, one right after the other, the order alternating. The raw batch size was picked by a round of its own over experiment 1's batch sizes, so that no pair keeps the best of several noisy figures. The host's speed drifts over minutes, and the tables above are minutes apart from experiment 1; within a pair it moves less. The target takes the median of the pairs' ratios.`,
      '',
      table(
        ['round', 'first', 'raw crops/s', 'raw batch', 'served crops/s', 'served / raw'],
        pairs.map((pair, i) => [String(i + 1), pair.first ?? 'raw', fmt(pair.rawCropsPerSecond, 1), String(pair.rawBatch), fmt(pair.servedCropsPerSecond, 1), fmt(pair.servedCropsPerSecond / pair.rawCropsPerSecond, 2)]),
      ),
    );
  }
  return parts.join('\n');
}

function e2eSection(results: BenchResults): string | undefined {
  const e2e = results.e2e;
  if (e2e === undefined) return undefined;
  const p = e2e.photo;
  const parts = [
    '## 3. End to end: POST /v1/analyses with a 12-megapixel photo',
    '',
    `The photo: makeWidefieldPhoto ${p.width} x ${p.height} (${fmt((p.width * p.height) / 1e6, 1)} MP), ${p.lesions} planted lesions, seed ${p.seed}, JPEG of ${fmt(p.bytes / 1024)} KiB sent as the raw body; the system found ${p.candidates} candidates. ` +
      `Closed loop per concurrency, ${e2e.warmUpSeconds} s warm-up and a ${e2e.seconds} s window; requests still open at the window's end are aborted so the next level starts clean. With about one photo per second, a window holds few samples: the p99 of a dozen requests is their maximum (n is given).`,
  ];
  for (const replicas of [...new Set(e2e.rows.map((row) => row.replicas))]) {
    const rows = e2e.rows.filter((row) => row.replicas === replicas);
    const kinds = [...new Set(rows.flatMap((row) => Object.keys(row.cores)))].sort();
    parts.push(
      '',
      `**${replicas} classifier replica${replicas === 1 ? '' : 's'}**`,
      '',
      table(
        ['concurrency', 'photos/s', 'n', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'classifier queue ms/crop', 'mean batch', ...kinds.map((kind) => `${kind} cores`), 'other cores', 'non-200'],
        rows.map((row) => [
          String(row.concurrency),
          fmt(row.requestsPerSecond, 2),
          String(row.latencyMs.n),
          ...latencyCells(row.latencyMs),
          ms(row.server.queueMsPerCrop),
          fmt(row.server.meanBatch, 1),
          ...kinds.map((kind) => fmt(row.cores[kind], 2)),
          fmt(row.otherCores, 2),
          statuses(row.statuses),
        ]),
      ),
    );
  }
  if (e2e.idle.length > 0) {
    const stages = [...new Set(e2e.idle.flatMap((idle) => Object.keys(idle.stagesMedianMs)))];
    parts.push(
      '',
      '**One photo on an otherwise idle system** (concurrency 1): median milliseconds per stage as the answer reports them (`timingsMs`: the gateway\'s stages; `tiler.*`: the tiler\'s steps inside `tile`). The target uses the column other processes disturbed least (2 replicas when both were quiet).',
      '',
      table(
        ['stage', ...e2e.idle.map((idle) => `${idle.replicas} replica${idle.replicas === 1 ? '' : 's'}, median ms`)],
        [
          ...stages.map((stage) => [stage, ...e2e.idle.map((idle) => ms(idle.stagesMedianMs[stage]))]),
          ['**client p50**', ...e2e.idle.map((idle) => `**${ms(idle.p50Ms)}**`)],
          ['other cores (not the benchmark)', ...e2e.idle.map((idle) => fmt(idle.otherCores, 2))],
        ],
      ),
    );
  }
  return parts.join('\n');
}

/** Who sent experiment 2's calls, and how they were checked. */
function loadGeneratorText(client: LoadClient | undefined): string {
  const calls = 'batch-1 ModelInfer calls (one 128 x 128 UINT8 crop as raw_input_contents) back to back, encoded once and framed on the wire directly as perf_analyzer\'s C++ client would (the server is grpc-js as deployed)';
  if (client === 'h2load') {
    return `h2load (nghttp2's C client, Debian's nghttp2-client) in another process: \`concurrency\` HTTP/2 connections, one call at a time each, sending ${calls}. h2load does not read gRPC statuses, so its answers are checked against the classifier's own count of calls answered OK (\`grpc_server_handled_total\`): an excess beyond the calls in flight at the window's edges counts as errors, not throughput. It takes a fifth or less of the CPU the Node load tool took on the cores it shares with the server`;
  }
  const fallback = client === 'node' ? ' (h2load, which takes far less of the shared cores, was not installed)' : '';
  return `a load generator in another process (services/classifier/src/bench/load-cli.ts${fallback}): \`concurrency\` callers, each on its own HTTP/2 connection, sending ${calls}; each caller's first answer is decoded and checked`;
}

function tierClientText(client: LoadClient | undefined): string {
  if (client === 'h2load') return "from h2load as in experiment 2 (one process per replica, its answers checked against the replicas' own count of calls answered OK)";
  if (client === 'node') return "from the classifier's Node load tool as in experiment 2 (one process)";
  return 'from one load-generator process';
}

function scaleoutSection(results: BenchResults): string | undefined {
  const s = results.scaleout;
  if (s === undefined) return undefined;
  const cores = results.machine.cores;
  const parts = [
    '## 4. Scale-out',
    '',
    `Replica counts: ${s.replicaCounts.join(', ')} (1, 2, and as many as the cores allow: this machine has ${cores} core${cores === 1 ? '' : 's'}${s.replicaCounts.length === 2 ? ', so 2 is also the most' : ''}). The patch each /v1/classify request uploads: a ${s.patch.width} x ${s.patch.height} JPEG of ${fmt(s.patch.bytes / 1024, 1)} KiB with one lesion (makeWidefieldPhoto), raw body.`,
    '',
    "**The seed's experiment**: 16 concurrent clients x 10 POST /v1/classify each, after a warm-up; total time from the first request to the last answer, runs repeated, median shown.",
    '',
    table(
      ['replicas', 'median total s', 'runs, s', 'requests/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'other cores', 'non-200'],
      s.seed.map((row) => [
        String(row.replicas),
        fmt(row.medianTotalSeconds, 3),
        row.totalSeconds.map((t) => t.toFixed(2)).join(', '),
        fmt(row.requestsPerSecond, 1),
        ...latencyCells(row.latencyMs),
        fmt(row.otherCores, 2),
        statuses(row.statuses),
      ]),
    ),
  ];
  if (s.sustained.length > 0) {
    const kinds = [...new Set(s.sustained.flatMap((row) => Object.keys(row.cpuSecondsPerRequest)))].sort();
    parts.push(
      '',
      `**Where the CPU goes**: a sustained closed loop at concurrency ${s.sustained[0].concurrency} on POST /v1/classify; CPU ms per request of each process kind (from /proc, classifier replicas summed; "client" is the load generator, this process) and cores in use.`,
      '',
      table(
        ['replicas', 'requests/s', 'p50 ms', 'p99 ms', ...kinds.map((kind) => `${kind} CPU ms/req`), ...kinds.map((kind) => `${kind} cores`), 'other cores', `bound on ${cores} shared cores, req/s`],
        s.sustained.map((row) => [
          String(row.replicas),
          fmt(row.requestsPerSecond, 1),
          ms(row.latencyMs.p50),
          ms(row.latencyMs.p99),
          ...kinds.map((kind) => ms((row.cpuSecondsPerRequest[kind] ?? Number.NaN) * 1000)),
          ...kinds.map((kind) => fmt(row.cores[kind], 2)),
          fmt(row.otherCores, 2),
          fmt(sharedCoresBound(cores, row.cpuSecondsPerRequest), 0),
        ]),
      ),
    );
  }
  parts.push(
    '',
    `**The classifier tier alone**: ${s.grpc[0]?.concurrency ?? 16} concurrent batch-1 ModelInfer calls over gRPC ${tierClientText(s.grpcClient)}, the callers spread evenly over the replicas (one connection each), each replica pinned to a core of its own (taskset: a 1-CPU pod), batching as shipped (max batch 8, no delay, the next batch prepared while one runs).`,
    '',
    table(
      ['replicas', 'crops/s', 'x one replica', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'queue ms/crop', 'compute ms/batch', 'mean batch', 'classifier CPU ms/crop', 'classifier cores', 'client cores', 'other cores', 'errors'],
      s.grpc.map((row) => [
        String(row.replicas),
        fmt(row.cropsPerSecond, 1),
        fmt(row.cropsPerSecond / (s.grpc.find((r) => r.replicas === 1)?.cropsPerSecond ?? Number.NaN), 2),
        ...latencyCells(row.latencyMs),
        ms(row.server.queueMsPerCrop),
        ms(row.server.computeMsPerBatch),
        fmt(row.server.meanBatch, 1),
        ms(row.cpuSecondsPerCrop * 1000),
        fmt(row.serverCores, 2),
        fmt(row.clientCores, 2),
        fmt(row.otherCores, 2),
        errors(row.errors),
      ]),
    ),
  );
  const rounds = s.grpcRounds ?? [];
  if (rounds.length > 1) {
    const counts = [...new Set(rounds.flatMap((round) => round.map((r) => r.replicas)))].sort((a, b) => a - b);
    const rate = (round: GrpcScaleRound, replicas: number) => round.find((r) => r.replicas === replicas)?.cropsPerSecond;
    parts.push(
      '',
      `**Rounds**: the tier ran ${rounds.length} rounds, each one window per replica count back to back, the order alternating from round to round so that a steady drift of the host falls on both sides. The target takes the median of the rounds' 2 / 1 ratios; the table above shows the median round.`,
      '',
      table(
        ['round', 'order', ...counts.map((n) => `${n} replica${n === 1 ? '' : 's'}, crops/s`), '2 / 1'],
        rounds.map((round, i) => [String(i + 1), round.map((r) => r.replicas).join(', '), ...counts.map((n) => fmt(rate(round, n), 1)), fmt(roundRatio(round), 2)]),
      ),
    );
  }
  const projection = s.projection;
  const d = projection.demands;
  parts.push(
    '',
    '### PROJECTION to more replicas (a model, not a measurement)',
    '',
    'A bottleneck (Amdahl-style) model from the service demands measured above: a stage given c cores that needs D CPU seconds per request can serve at most c / D requests per second, and a pipeline runs at the pace of its slowest stage, **throughput(n) = min over stages of capacity**. ' +
      `Measured demands (at 2 replicas): classifier ${ms(d.classifierPerCrop * 1000)} CPU ms per crop over gRPC; per POST /v1/classify request gateway ${ms(d.gatewayPerRequest * 1000)}, tiler ${ms(d.tilerPerRequest * 1000)}, classifier ${ms(d.classifierPerRequest * 1000)} CPU ms.`,
    '',
    'Assumptions:',
    '',
    ...projection.assumptions.map((assumption) => `- ${assumption};`),
    '',
    table(
      ['replicas', 'gRPC tier, crops/s (projected)', 'measured', 'REST /v1/classify, req/s (projected)', 'bottleneck', 'measured (2 shared cores)'],
      projection.rows.map((row) => [
        String(row.replicas),
        fmt(row.grpcCropsPerSecond, 0),
        fmt(row.measuredGrpcCropsPerSecond, 0),
        fmt(row.restRequestsPerSecond, 0),
        row.restBottleneck,
        fmt(row.measuredRestRequestsPerSecond, 0),
      ]),
    ),
    '',
    'The measured columns ran on this machine\'s shared cores, where the load generator, the gateway and the tiler take cores the model gives to the classifier; they are there to show how far a 2-core machine is from the model\'s separate cores, not to validate it.',
  );
  return parts.join('\n');
}

function overloadSection(results: BenchResults): string | undefined {
  const o = results.overload;
  if (o === undefined) return undefined;
  return [
    '## 5. Overload',
    '',
    `POST ${o.route} with ${o.replicas} classifier replicas (the shipped layout). The route is chosen because a request is small: at twice saturation the window offers ${o.offered} requests, so the p99 and the rejected share rest on many samples, and with one crop per request the classifier's bounded queue (\`CLASSIFIER_MAX_QUEUE\`, RESOURCE_EXHAUSTED -> 503 with Retry-After at the gateway) meets the load request by request; 12 MP analyses saturate near one photo per second, so the same window would offer only a few dozen. ` +
      `Saturation: a closed loop at concurrency ${o.saturation.concurrency}. Then the gateway is restarted with the admission limit below and warmed by a few seconds of that closed loop (refusals included), and an open loop runs at ${o.offeredRate.toFixed(0)} requests/s (${(o.offeredRate / o.saturation.requestsPerSecond).toFixed(1)} x saturation) at even intervals for ${o.seconds} s, latency counted from each request's scheduled time (no coordinated omission), at most 4096 requests open at once; answers awaited afterwards for a bounded time.`,
    '',
    table(
      ['figure', 'value'],
      [
        ['saturation throughput (closed loop)', `${fmt(o.saturation.requestsPerSecond, 1)} requests/s (p99 ${ms(o.saturation.latencyMs.p99)} ms)`],
        ['unloaded latency (concurrency 1)', `p50 ${ms(o.unloaded.latencyMs.p50)} ms, p99 ${ms(o.unloaded.latencyMs.p99)} ms`],
        [
          'gateway admission for the open loop (restarted with it)',
          `${admissionSummary(o.admission)}: the knee by Little's law, saturation x unloaded p50 x 1.5${o.admission.maxQueued === 0 ? '; no queue, since under sustained overload a queue never empties and only adds waiting' : ', queue as many, wait at most the unloaded p99'}`,
        ],
        ['offered', `${o.offered} requests at ${fmt(o.offeredRate, 1)}/s; ${o.sent} sent, ${o.notSent} not sent (4096 already open)`],
        ['throughput held (200s per second while sending)', `${fmt(o.acceptedRate, 1)} requests/s = ${fmt((100 * o.acceptedRate) / o.saturation.requestsPerSecond)} % of saturation`],
        ['200s over the whole run (first send to last answer)', `${fmt(o.acceptedOverallRate, 1)} requests/s over ${fmt(o.lastAnswerSeconds, 1)} s`],
        ['accepted latency', `p50 ${ms(o.acceptedLatencyMs.p50)}, p90 ${ms(o.acceptedLatencyMs.p90)}, p95 ${ms(o.acceptedLatencyMs.p95)}, p99 ${ms(o.acceptedLatencyMs.p99)} ms (n ${o.acceptedLatencyMs.n})`],
        ['accepted p99 / unloaded p99', `${fmt(o.acceptedLatencyMs.p99 / o.unloaded.latencyMs.p99, 1)} x`],
        ['rejected (429/503)', `${fmt(100 * o.rejectedShare, 1)} % of sent; their p50 ${ms(o.rejectedLatencyMs.p50)} ms; classifier refusals ${o.classifierRejected}`],
        ['answers by status', Object.entries(o.statuses).map(([status, n]) => `${n} x ${status}`).join(', ')],
        ['aborted after the drain bound', String(o.abortedAtDrain)],
        ['load generator', `${fmt(o.clientCores, 2)} cores`],
        ['other processes on the machine', `${fmt(o.otherCores, 2)} cores`],
        ['200 answers in each second, first send to last answer', o.acceptedPerSecond.join(' ')],
      ],
      ['l', 'l'],
    ),
    '',
    'Peak resident memory of each service process over its life (VmHWM from /proc/<pid>/status, read at the end):',
    '',
    table(['process', 'peak RSS MiB'], Object.entries(o.peakRssBytes).map(([name, bytes]) => [name, mib(bytes)])),
  ].join('\n');
}

function blobsSection(results: BenchResults): string | undefined {
  const b = results.blobs;
  if (b === undefined) return undefined;
  return [
    '## Blob detection on a 12-megapixel photo',
    '',
    `The same generated photo as experiment 3 (${b.width} x ${b.height}), read and converted to grey by OpenCV (cv2.imread, BGR2GRAY); those identical grey bytes go to OpenCV ${b.opencvVersion}'s SimpleBlobDetector (python3-opencv, /usr/bin/python3; its threshold step runs on all cores) and to the tiler's blob detector as the service ships it${b.oursThreads === undefined ? '' : ` (${b.oursThreads} threads: the calling one and ${b.oursThreads - 1} worker(s), TILER_BLOB_THREADS)`}, with the pipeline's parameters (thresholds 0-255 step 10, all filters on), through services/tiler/src/tools/blob-agreement.ts. Detection time only, no decoding. ${b.repeats} run(s) in this process; in each, every detector first detects once untimed, then the median of its timing runs is taken${b.oursSingleThreadMs === undefined ? '' : "; our detector on one thread (detectBlobs) is timed in the same runs, interleaved with the shipped one"}.`,
    '',
    table(
      ['detector', 'median ms', 'runs, ms', 'blobs'],
      [
        [`OpenCV ${b.opencvVersion} SimpleBlobDetector`, fmt(b.opencvMs, 0), b.opencvRunsMs.map((v) => v.toFixed(0)).join(', '), String(b.opencvKeypoints)],
        [`ours, as shipped${b.oursThreads === undefined ? '' : ` (${b.oursThreads} threads)`}`, fmt(b.oursMs, 0), b.oursRunsMs.map((v) => v.toFixed(0)).join(', '), String(b.ourBlobs)],
        ...(b.oursSingleThreadMs === undefined
          ? []
          : [['ours, 1 thread', fmt(b.oursSingleThreadMs, 0), (b.oursSingleThreadRunsMs ?? []).map((v) => v.toFixed(0)).join(', '), b.threadsAgree === false ? 'differ from the shipped detector!' : String(b.ourBlobs)]]),
      ],
    ),
    '',
    `Agreement on this image: ${b.matched} of OpenCV's ${b.opencvKeypoints} keypoints matched (recall ${fmt(100 * b.recall, 1)} %, precision ${fmt(100 * b.precision, 1)} %).`,
  ].join('\n');
}

const METHOD = [
  '## Method',
  '',
  "- perf_analyzer's manner: for each concurrency level a closed loop (each client sends its next request when the last one is answered), a warm-up that is not measured, then a fixed window; throughput is the answers that finished inside the window divided by its length, latency percentiles (p50/p90/p95/p99, linear interpolation between closest ranks) are over those answers, measured by the client.",
  "- Server-side split: counters read from each classifier's /metrics at the window's edges (queue wait per crop, model time per batch, batch size) and CPU time of every service process from /proc/<pid>/stat.",
  '- Every load loop is bounded in time and in count and stops by itself; all traffic goes to 127.0.0.1; every process is started by the benchmark and stopped at the end of its experiment.',
  '- The load generators run on the same cores as the system (there is no other machine): their CPU share is reported beside the figures it affects.',
  "- \"other cores\": the machine's busy CPU time in the window (/proc/stat) less that of every process of the benchmark, per second: work of processes that are not part of the benchmark. Above a few tenths, the window's figures are lower than this machine gives when idle.",
].join('\n');

/** docs/benchmarks.md from a run's results. */
export function renderMarkdown(results: BenchResults): string {
  const when = new Date(results.startedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const header = [
    '# Benchmarks',
    '',
    `Generated by \`pnpm bench\`${results.quick ? ' --quick' : ''} on ${when}${results.durationSeconds !== undefined ? `, a run of ${Math.floor(results.durationSeconds / 60)} min ${Math.round(results.durationSeconds % 60)} s` : ''}. Every figure below comes from that one run on this machine; the raw numbers are in [benchmarks.json](benchmarks.json) and the plot in [benchmarks.svg](benchmarks.svg).`,
    ...(results.quick ? ['', '> **Quick smoke run**: windows of a second or two. These figures only show that the benchmark works; do not quote them.'] : []),
    ...(results.experiments.length < 6 ? ['', `> Partial run: experiments ${results.experiments.join(', ')} only.`] : []),
    '',
    '![throughput against concurrency, scale-out and projection](benchmarks.svg)',
  ].join('\n');
  const sections = [
    header,
    machineSection(results),
    targetsSection(results),
    rawSection(results),
    grpcSection(results),
    e2eSection(results),
    scaleoutSection(results),
    overloadSection(results),
    blobsSection(results),
    METHOD,
    results.notes.length > 0 ? ['## Notes', '', ...results.notes.map((note) => `- ${note}`)].join('\n') : undefined,
  ];
  return `${sections.filter((section): section is string => section !== undefined).join('\n\n')}\n`;
}
