/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

// name{label="value",...} value [timestamp]; label values may hold escaped quotes.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
// One label pair inside the braces: name="value" with \" and \\ escapes.
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of a /metrics text; comments and blank lines skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `where` (0 when none match). */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
  }
  return total;
}

/** The counters a classifier exposes that a measured window is judged by. */
export interface ClassifierCounters {
  readonly queueWaitSecondsSum: number;
  readonly queueWaitCount: number;
  readonly inferenceSecondsSum: number;
  readonly batches: number;
  readonly items: number;
  readonly handlingSecondsSum: number;
  readonly handledCalls: number;
  readonly rejected: number;
  /** ModelInfer calls that ended with a status other than OK. */
  readonly failedCalls: number;
}

export function classifierCounters(samples: readonly Sample[]): ClassifierCounters {
  const modelInfer = { grpc_method: 'ModelInfer' };
  return {
    queueWaitSecondsSum: sumOf(samples, 'classifier_queue_wait_seconds_sum'),
    queueWaitCount: sumOf(samples, 'classifier_queue_wait_seconds_count'),
    inferenceSecondsSum: sumOf(samples, 'classifier_inference_seconds_sum'),
    batches: sumOf(samples, 'classifier_inference_seconds_count'),
    items: sumOf(samples, 'classifier_batch_size_sum'),
    handlingSecondsSum: sumOf(samples, 'grpc_server_handling_seconds_sum', modelInfer),
    handledCalls: sumOf(samples, 'grpc_server_handling_seconds_count', modelInfer),
    rejected: sumOf(samples, 'classifier_requests_total', { outcome: 'rejected' }),
    failedCalls: sumOf(samples, 'grpc_server_handled_total', modelInfer) - sumOf(samples, 'grpc_server_handled_total', { ...modelInfer, grpc_code: 'OK' }),
  };
}

/** The server-side split of a window, perf_analyzer style: where a crop's time went. */
export interface ServerSplit {
  /** Mean wait of a crop from reaching the batcher to the start of its batch, ms. */
  readonly queueMsPerCrop: number;
  /** Mean time of one model call (preprocessing included), ms. */
  readonly computeMsPerBatch: number;
  /** computeMsPerBatch / mean batch: the model's time per crop, ms. */
  readonly computeMsPerCrop: number;
  readonly meanBatch: number;
  /** Mean time the gRPC server spent on one ModelInfer call (queue + compute + encoding), ms. */
  readonly handlingMsPerCall: number;
  readonly crops: number;
  /** Calls refused because the queue was full (RESOURCE_EXHAUSTED). */
  readonly rejected: number;
  /** ModelInfer calls the servers answered, with any status. */
  readonly calls: number;
  /** ModelInfer calls answered with any status but OK, as the servers counted them. */
  readonly failedCalls: number;
}

/** What happened on the classifiers between two scrapes (several replicas summed). */
export function serverSplit(before: readonly ClassifierCounters[], after: readonly ClassifierCounters[]): ServerSplit {
  const delta = (key: keyof ClassifierCounters) => after.reduce((sum, counters, i) => sum + counters[key] - (before[i]?.[key] ?? 0), 0);
  const batches = delta('batches');
  const items = delta('items');
  const perMs = (seconds: number, count: number) => (count > 0 ? (seconds / count) * 1000 : Number.NaN);
  return {
    queueMsPerCrop: perMs(delta('queueWaitSecondsSum'), delta('queueWaitCount')),
    computeMsPerBatch: perMs(delta('inferenceSecondsSum'), batches),
    computeMsPerCrop: perMs(delta('inferenceSecondsSum'), items),
    meanBatch: batches > 0 ? items / batches : Number.NaN,
    handlingMsPerCall: perMs(delta('handlingSecondsSum'), delta('handledCalls')),
    crops: items,
    rejected: delta('rejected'),
    calls: delta('handledCalls'),
    failedCalls: delta('failedCalls'),
  };
}

/** GET a /metrics page on loopback and parse it. */
export async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET 127.0.0.1:${port}/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}
