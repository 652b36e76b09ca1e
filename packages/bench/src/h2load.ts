import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { track } from './children.js';
import { writeModelInferRequest, type GrpcLoadMeasurement, type GrpcLoadSpec } from './classifier-tools.js';
import { cpuSeconds } from './proc.js';

/** An executable's path from PATH, or undefined when none of PATH's folders has it. */
export function findOnPath(name: string, pathVariable = process.env['PATH'] ?? ''): string | undefined {
  for (const folder of pathVariable.split(path.delimiter)) {
    if (folder === '') continue;
    const candidate = path.join(folder, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** One request of h2load's --log-file: start (µs since the epoch), HTTP status, duration (µs). */
export interface LoggedRequest {
  readonly startUs: number;
  readonly status: number;
  readonly durationUs: number;
}

/** Parses h2load's --log-file (tab-separated; later columns, if any, ignored). */
export function parseH2loadLog(text: string): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const line of text.split('\n')) {
    const [start, status, duration] = line.split('\t');
    if (start === undefined || status === undefined || duration === undefined) continue;
    const request = { startUs: Number(start), status: Number(status), durationUs: Number(duration) };
    if (Number.isFinite(request.startUs) && Number.isFinite(request.status) && Number.isFinite(request.durationUs)) requests.push(request);
  }
  return requests;
}

/**
 * The requests that finished inside [startUs, endUs), as a closed-loop window counts them:
 * latencies of the HTTP 200 answers, in ms, and a count of every other status.
 */
export function windowOf(requests: readonly LoggedRequest[], startUs: number, endUs: number): { latenciesMs: number[]; errors: Record<string, number> } {
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  for (const request of requests) {
    const finishedUs = request.startUs + request.durationUs;
    if (finishedUs < startUs || finishedUs >= endUs) continue;
    if (request.status === 200) latenciesMs.push(request.durationUs / 1000);
    else errors[`HTTP ${request.status}`] = (errors[`HTTP ${request.status}`] ?? 0) + 1;
  }
  return { latenciesMs, errors };
}

/** h2load and what it sends: the framed request body in a file, and the call's HTTP/2 path. */
export interface H2loadClient {
  readonly h2load: string;
  readonly requestFile: string;
  readonly path: string;
}

/**
 * h2load and a framed batch-1 ModelInfer request for it, made on first use and shared by every
 * experiment of a run (a C client leaves the shared cores to the servers: the Node load tool took
 * 0.17-0.27 of the 2 cores at 16 calls, h2load 0.03-0.05). `client()` gives undefined when h2load
 * is not installed: the Node load tool sends the calls then. `release()` removes the request file.
 */
export function h2loadClientMaker(inputSize: number): { client(): Promise<H2loadClient | undefined>; release(): Promise<void> } {
  let made: Promise<{ client: H2loadClient; folder: string } | undefined> | undefined;
  const make = async () => {
    const h2load = findOnPath('h2load');
    if (h2load === undefined) return undefined;
    const folder = await mkdtemp(path.join(tmpdir(), 'skinlesion-grpc-load-'));
    const requestFile = path.join(folder, 'model-infer-request.bin');
    try {
      return { folder, client: { h2load, requestFile, path: await writeModelInferRequest(requestFile, inputSize, 1) } };
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  };
  return {
    client: async () => (await (made ??= make()))?.client,
    release: async () => {
      const folder = (await made?.catch(() => undefined))?.folder;
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * The Node load tool's window, without what h2load takes from the request file: `concurrency`
 * connections in all, one stream each, spread evenly over `targets`.
 */
export type H2loadSpec = H2loadClient & Pick<GrpcLoadSpec, 'targets' | 'concurrency' | 'warmUpSeconds' | 'seconds' | 'onWindowStart' | 'onWindowEnd'>;

/**
 * A closed loop of gRPC unary calls from h2load (nghttp2's C client): one process per target with
 * its share of the connections, each connection one call at a time. The window is timed here and
 * cut from h2load's per-request log, so warm-up and window are this process's, as with the Node
 * load tool. h2load sees HTTP statuses only, not the gRPC status in the trailers: the caller must
 * confirm the calls from the servers' own counts.
 */
export async function loadWithH2load(spec: H2loadSpec): Promise<GrpcLoadMeasurement> {
  if (spec.targets.length === 0) throw new Error('no target for h2load');
  const folder = await mkdtemp(path.join(tmpdir(), 'skinlesion-h2load-'));
  try {
    const runSeconds = Math.ceil(spec.warmUpSeconds + spec.seconds + 1);
    const runs = spec.targets.map((target, index) => {
      const connections = Math.floor(spec.concurrency / spec.targets.length) + (index < spec.concurrency % spec.targets.length ? 1 : 0);
      const log = path.join(folder, `requests-${index}.tsv`);
      const args = ['-D', String(runSeconds), '-c', String(connections), '-m', '1', '-d', spec.requestFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', `--log-file=${log}`, `http://${target}${spec.path}`];
      const child = spawn(spec.h2load, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const untrack = track(() => child.kill('SIGKILL'));
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const exited = new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code) => {
          untrack();
          if (code === 0) resolve();
          else reject(new Error(`h2load exited with ${code} for ${target}: ${stderr.trim()}`));
        });
      });
      // Handled here too: a failing h2load must not be an unhandled rejection while the window runs.
      exited.catch(() => undefined);
      return { child, log, exited };
    });
    const clientCpu = () => runs.reduce((sum, run) => sum + cpuSeconds(run.child.pid), 0);

    // Each edge is taken once its hook (the servers' scrape) is done, so that the servers' window
    // and this one are shifted alike by the time a scrape takes.
    await sleep(spec.warmUpSeconds * 1000);
    const cpuAtStart = clientCpu();
    await spec.onWindowStart?.();
    const startUs = Date.now() * 1000;
    await sleep(spec.seconds * 1000);
    const cpuAtEnd = clientCpu();
    await spec.onWindowEnd?.();
    const endUs = Date.now() * 1000;
    await Promise.all(runs.map((run) => run.exited));

    const requests = (await Promise.all(runs.map((run) => readFile(run.log, 'utf8')))).flatMap(parseH2loadLog);
    return { ...windowOf(requests, startUs, endUs), seconds: (endUs - startUs) / 1e6, clientCpuSeconds: cpuAtEnd - cpuAtStart };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
