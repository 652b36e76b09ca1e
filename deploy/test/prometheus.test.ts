import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../packages/stack/src/index.js';
import { makeWidefieldPhoto } from '../../packages/synth/src/index.js';
import { repoPath } from './support/services.js';

interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: unknown[];
  [field: string]: unknown;
}
interface AdapterRule {
  seriesQuery: string;
  name: { matches: string; as: string };
  metricsQuery: string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until check() gives a value (not undefined), failing after timeoutMs: no fixed sleeps. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A real Prometheus (Debian's package) scraping the four services started as processes, with
 * deploy/prometheus/prometheus.yml: its jobs and relabelling as they are, only the compose
 * targets replaced by the processes' addresses and the intervals shortened to 1 s.
 */
describe('Prometheus with the repository scrape config', () => {
  let stack: Stack | undefined;
  let prometheus: ChildProcess | undefined;
  let scratch: string;
  let api: string;
  let classifierPods: string[];

  const query = async (promql: string): Promise<Sample[]> => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data!.result;
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'skinlesion-prometheus-'));
    stack = await startStack({ classifierReplicas: 2, gatewayPort: 0, env: { LOG_LEVEL: 'warn' } });

    const config = parse(await readFile(repoPath('deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: ScrapeJob[];
    };
    const address = (port: number | undefined) => `127.0.0.1:${port}`;
    const targets: Record<string, string[]> = {
      gateway: [address(stack.gateway.ports.port)],
      tiler: [address(stack.tiler.ports.metricsPort)],
      classifier: stack.classifiers.map((classifier) => address(classifier.ports.metricsPort)),
      'ugly-duckling': [address(stack.uglyDuckling.ports.metricsPort)],
    };
    classifierPods = targets.classifier;
    config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
    config.scrape_configs = config.scrape_configs.map(({ static_configs: _static, dns_sd_configs: _dns, ...job }) => {
      if (!targets[job.job_name]) throw new Error(`prometheus.yml scrapes ${job.job_name}, which the stack does not run`);
      return { ...job, static_configs: [{ targets: targets[job.job_name] }] };
    });
    await writeFile(path.join(scratch, 'prometheus.yml'), stringify(config));

    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const args = [
      `--config.file=${path.join(scratch, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(scratch, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ];
    const output: string[] = [];
    prometheus = spawn('prometheus', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const started = await Promise.race([
      new Promise<Error>((resolve) => prometheus!.once('error', resolve)),
      new Promise<Error>((resolve) => prometheus!.once('exit', (code) => resolve(new Error(`prometheus exited with ${code}: ${output.join('')}`)))),
      eventually(async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined), 30_000, 'Prometheus to be ready'),
    ]);
    if (started instanceof Error) {
      if ((started as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('the prometheus server is not installed (scripts/setup.sh installs Debian\'s "prometheus" package)');
      }
      throw started;
    }
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await stack?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('scrapes every service, each classifier replica as its own target', async () => {
    const jobs = await eventually(
      async () => {
        const up = await query('up == 1');
        return up.length === 5 ? up.map((sample) => sample.metric.job).sort() : undefined;
      },
      20_000,
      'all five targets up',
    );
    expect(jobs).toEqual(['classifier', 'classifier', 'gateway', 'tiler', 'ugly-duckling']);
    // The relabelling gives each series the labels the adapter rule selects pods by.
    const pods = (await query('up{job="classifier"}')).map((sample) => [sample.metric.namespace, sample.metric.pod]);
    expect(pods.sort()).toEqual(classifierPods.map((pod) => ['skinlesion', pod]).sort());
  });

  it("answers the classifier HPA's custom-metric query, as prometheus-adapter would ask it", async () => {
    const values = parse(await readFile(repoPath('deploy', 'prometheus', 'adapter-values.yaml'), 'utf8')) as { rules: { custom: AdapterRule[] } };
    const rule = values.rules.custom.find((candidate) => candidate.name.as === 'classifier_queue_wait_seconds');
    expect(rule).toBeDefined();

    // Crops through the classifiers, so that their queue-wait histograms move.
    const photo = await makeWidefieldPhoto({ width: 800, height: 600, lesions: 6, seed: 4 });
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${stack!.url}/v1/analyses`, { method: 'POST', body: photo.image, headers: { 'content-type': 'image/jpeg' } });
      expect(response.status).toBe(200);
    }

    // The adapter discovers the series with seriesQuery and names them with name.matches...
    const series = await eventually(
      async () => {
        const response = await fetch(`${api}/api/v1/series?match[]=${encodeURIComponent(rule!.seriesQuery)}`);
        const found = ((await response.json()) as { data: Record<string, string>[] }).data;
        return found.length === classifierPods.length ? found : undefined;
      },
      20_000,
      'the rule to find one series per classifier',
    );
    for (const entry of series) expect(entry.__name__).toMatch(new RegExp(rule!.name.matches));

    // ...then fills metricsQuery for the HPA's pods, grouped by pod.
    const metricsQuery = rule!.metricsQuery
      .replaceAll('<<.LabelMatchers>>', `namespace="skinlesion",pod=~"${classifierPods.join('|')}"`)
      .replaceAll('<<.GroupBy>>', 'pod');
    const answer = await eventually(
      async () => {
        const samples = await query(metricsQuery);
        const observed = await query('sum(rate(classifier_queue_wait_seconds_count{namespace="skinlesion"}[2m])) > 0');
        return samples.length === classifierPods.length && observed.length === 1 ? samples : undefined;
      },
      30_000,
      'a queue-wait value for every classifier pod',
    );
    expect(answer.map((sample) => sample.metric.pod).sort()).toEqual([...classifierPods].sort());
    for (const sample of answer) {
      const seconds = Number(sample.value[1]);
      expect(Number.isFinite(seconds) && seconds >= 0, `${sample.metric.pod}: ${sample.value[1]}`).toBe(true);
      // Under a second per crop on an idle machine; a unit mistake (ms as s) would show here.
      expect(seconds).toBeLessThan(1);
    }
  });
});
