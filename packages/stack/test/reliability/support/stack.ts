import { Writable } from 'node:stream';
import { startStack, type ServiceProcess, type Stack } from '../../../src/index.js';

/**
 * Keeps the services' log lines ("<service> | <line>", as the launcher forwards them) for tests
 * to search, and echoes them to stderr when STACK_LOGS is set.
 */
export class LogTap extends Writable {
  readonly lines: string[] = [];
  private partial = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    this.lines.push(...lines);
    if (process.env.STACK_LOGS) process.stderr.write(chunk);
    callback();
  }

  /** Lines of one service (its name before the " | ") matching the pattern. */
  find(service: string, pattern: RegExp): string[] {
    return this.lines.filter((line) => line.startsWith(`${service} | `) && pattern.test(line));
  }
}

/** Polls check() every 50 ms until it is true; fails after timeoutMs. No fixed sleeps. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET /readyz: its status code and, when not ready, the problem's detail. */
export async function readiness(url: string): Promise<{ status: number; detail: string }> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { detail?: string };
  return { status: response.status, detail: body.detail ?? '' };
}

/**
 * The whole system on loopback with quiet logs, once /readyz says every backend serves. `env`
 * goes to every service (each reads only its own variables).
 */
export async function startTestStack(options: { classifierReplicas?: number; env?: Record<string, string>; logs?: LogTap } = {}): Promise<Stack> {
  const stack = await startStack({
    classifierReplicas: options.classifierReplicas ?? 1,
    gatewayPort: 0,
    env: { LOG_LEVEL: 'warn', ...options.env },
    // Well inside the 120 s hook timeout, so that a service that never comes up fails the start
    // (which stops whatever did start) instead of the hook being abandoned with processes left.
    startTimeoutMs: 60_000,
    ...(options.logs ? { output: options.logs } : process.env.STACK_LOGS ? { output: process.stderr } : {}),
  });
  try {
    await eventually(async () => (await readiness(stack.url)).status === 200, 60_000, '/readyz to answer 200');
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** The processes of the stack that are not running. */
export function deadProcesses(stack: Stack): string[] {
  return stack.all.filter((service: ServiceProcess) => !service.running).map((service) => service.name);
}

/** One sample from a Prometheus text exposition: the sum over the series matching the labels. */
export function metricSum(text: string, name: string, labels: Record<string, string | RegExp> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    // name{label="value",...} number  -- label values are quoted and never contain '"' here.
    const match = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    const fits = Object.entries(labels).every(([key, want]) => (typeof want === 'string' ? found[key] === want : want.test(found[key] ?? '')));
    if (fits) sum += Number(match[2]);
  }
  return sum;
}

/** GET a metrics endpoint: the gateway's /metrics or a gRPC service's metrics port. */
export async function scrape(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}

/** 5xx answers to API calls (not /readyz) the gateway counted since it started. */
export async function gateway5xx(stack: Stack): Promise<number> {
  return metricSum(await scrape(`${stack.url}/metrics`), 'http_requests_total', { status_code: /^5/, route: /^\/v[12]\// });
}
