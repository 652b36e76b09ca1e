import { SkinlesionClient, type PredictRequest } from '@skinlesion/client';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { failureKey } from '../failures.js';
import { EXIT, UsageError, type Io } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, gatewayUrl, integer, parse, timeoutMs } from '../options.js';
import { Progress } from '../progress.js';
import { summarise, type LatencySummary } from '../stats.js';
import { encodePng, syntheticSkin, unitScaledRows } from '../synthetic.js';

export const BENCH_HELP = `Usage: skinlesion bench [options]

The seed's load experiment against any deployment: <concurrency> clients at once, each sending
<requests> requests one after another. Prints the total time, the throughput and the latency
percentiles (nearest rank). One untimed warm-up request goes first.

Options:
  --concurrency <n>   clients at once (default 16)
  --requests <n>      requests per client (default 10)
  --endpoint <name>   classify (POST /v1/classify, one patch), analyses (POST /v1/analyses,
                      one wide-field photo) or predict (TF Serving :predict, 150 x 150 x 3
                      numbers, as the seed's client sent) (default classify)
  --photo <file>      the image to send (default: a generated one, 150 x 150 px for classify
                      and predict, 1600 x 1200 px with 12 spots for analyses); predict sends it
                      as {"b64": ...}
  --model <name>      the model name in the predict URL (default: the one the server names)
  --warmup <n>        untimed requests first (default 1)
  --json              print the figures as JSON
${COMMON_HELP}
`;

const ENDPOINTS = ['classify', 'analyses', 'predict'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** The seed's patch size: its VGG16 took 150 x 150 x 3. */
const PATCH_PX = 150;

export interface BenchReport {
  endpoint: Endpoint;
  url: string;
  concurrency: number;
  requestsPerClient: number;
  requests: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  totalSeconds: number;
  throughputPerSecond: number;
  latencyMs: LatencySummary;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One request of the chosen endpoint, as a function to call again and again. */
async function requestMaker(endpoint: Endpoint, client: SkinlesionClient, photo: string | undefined, model: string | undefined): Promise<() => Promise<unknown>> {
  const file = photo ? { data: await readFile(photo), filename: basename(photo) } : undefined;
  if (endpoint === 'analyses') {
    const image = file ?? { data: encodePng(syntheticSkin(1600, 1200, 12)), filename: 'synthetic.png' };
    return () => client.analyze(image);
  }
  if (endpoint === 'classify') {
    const image = file ?? { data: encodePng(syntheticSkin(PATCH_PX, PATCH_PX, 1)), filename: 'synthetic.png' };
    return () => client.classify(image);
  }
  const body: PredictRequest = file
    ? { signature_name: 'serving_default', instances: [{ b64: Buffer.from(file.data).toString('base64') }] }
    : { signature_name: 'serving_default', instances: [unitScaledRows(syntheticSkin(PATCH_PX, PATCH_PX, 1))] };
  // The served model's name, from the API itself when not given.
  const name = model ?? (await client.classify({ data: encodePng(syntheticSkin(8, 8, 0)), filename: 'probe.png' })).model.name;
  return () => client.predict(name, body);
}

export async function benchCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON_OPTIONS,
      concurrency: { type: 'string' },
      requests: { type: 'string' },
      endpoint: { type: 'string' },
      photo: { type: 'string' },
      model: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  if (values.help) {
    io.stdout.write(BENCH_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`bench takes no arguments, got ${positionals.join(' ')}`);
  const endpoint = (values.endpoint ?? 'classify') as Endpoint;
  if (!ENDPOINTS.includes(endpoint)) throw new UsageError(`--endpoint must be one of ${ENDPOINTS.join(', ')}, got ${JSON.stringify(values.endpoint)}`);
  const concurrency = integer(values.concurrency, 'concurrency', 16, 1, 4096);
  const perClient = integer(values.requests, 'requests', 10, 1, 1_000_000);
  const warmup = integer(values.warmup, 'warmup', 1, 0, 1000);
  const url = gatewayUrl(values.url, io);
  const client = new SkinlesionClient({ baseUrl: url, timeoutMs: timeoutMs(values.timeout) });

  const send = await requestMaker(endpoint, client, values.photo, values.model);
  for (let index = 0; index < warmup; index += 1) await send();

  const total = concurrency * perClient;
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const progress = new Progress(io.stderr, `bench ${endpoint}`, total);
  const started = performance.now();
  const clientLoop = async () => {
    for (let request = 0; request < perClient; request += 1) {
      const sent = performance.now();
      try {
        await send();
        latencies.push(performance.now() - sent);
      } catch (error) {
        const key = failureKey(error);
        failures[key] = (failures[key] ?? 0) + 1;
      }
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, clientLoop));
  const seconds = (performance.now() - started) / 1000;
  progress.finish();

  const latency = summarise(latencies);
  const report: BenchReport = {
    endpoint,
    url,
    concurrency,
    requestsPerClient: perClient,
    requests: total,
    succeeded: latencies.length,
    failed: total - latencies.length,
    failures,
    totalSeconds: round(seconds, 3),
    throughputPerSecond: round(latencies.length / seconds, 2),
    latencyMs: Object.fromEntries(Object.entries(latency).map(([key, value]) => [key, key === 'count' ? value : round(value, 1)])) as unknown as LatencySummary,
  };
  if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    io.stdout.write(
      [
        `${endpoint} at ${url}: ${concurrency} clients x ${perClient} requests = ${total}`,
        `total ${seconds.toFixed(2)} s, throughput ${report.throughputPerSecond} requests/s, ${report.failed} failed`,
        `latency p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p95 ${ms(latency.p95)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}`,
        ...Object.entries(failures).map(([key, count]) => `failures: ${count} x ${key}`),
      ].join('\n') + '\n',
    );
  }
  return report.failed === 0 ? EXIT.ok : EXIT.failure;
}
