/**
 * HTTP load against the gateway on loopback, in perf_analyzer's two modes: a closed loop of
 * `concurrency` clients each sending the next request when the last one answered, and an open
 * loop sending at a fixed rate whatever the answers. Every loop is bounded by time and by count
 * and stops by itself.
 */

export interface HttpRequestSpec {
  /** Must be a 127.0.0.1 URL: the benchmark only loads servers it started itself. */
  readonly url: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** Status counts: "200", "503", ..., or "network" for a request that got no answer. */
export type StatusCounts = Record<string, number>;

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly warmUpSeconds: number;
  readonly seconds: number;
  /** Requests started at most, warm-up included. */
  readonly maxRequests: number;
  readonly onWindowStart?: () => Promise<void> | void;
  readonly onWindowEnd?: () => Promise<void> | void;
  /** Each answer that finished inside the window, its parsed JSON body when `parseJson`. */
  readonly onAnswer?: (status: number, body: unknown) => void;
  readonly parseJson?: boolean;
}

export interface ClosedLoopResult {
  /** Latency of the 200 answers that finished inside the window, ms. */
  readonly latenciesMs: number[];
  readonly statuses: StatusCounts;
  /** Length of the window, s. */
  readonly seconds: number;
}

export function assertLoopback(url: string): void {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`the benchmark only sends to 127.0.0.1, not ${url}`);
}

/**
 * One AbortController per request, all aborted together when a loop's bound runs out. A signal
 * shared by every request would collect one listener per request: fetch adds one and drops it
 * only when the request is garbage-collected.
 */
class RequestAborter {
  private readonly open = new Set<AbortController>();
  private abortedAll = false;

  get aborted(): boolean {
    return this.abortedAll;
  }

  async run<T>(send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.abortedAll) controller.abort();
    this.open.add(controller);
    try {
      return await send(controller.signal);
    } finally {
      this.open.delete(controller);
    }
  }

  abortAll(): void {
    this.abortedAll = true;
    for (const controller of this.open) controller.abort();
  }
}

async function send(spec: HttpRequestSpec, signal: AbortSignal, parseJson: boolean): Promise<{ status: number; body: unknown }> {
  const response = await fetch(spec.url, { method: 'POST', body: spec.body, headers: { 'content-type': spec.contentType }, signal });
  if (parseJson) {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }
  await response.arrayBuffer();
  return { status: response.status, body: undefined };
}

function count(statuses: StatusCounts, key: string): void {
  statuses[key] = (statuses[key] ?? 0) + 1;
}

function failureKey(error: unknown): string {
  return error instanceof Error && error.name === 'AbortError' ? 'aborted' : 'network';
}

/**
 * A closed loop: unmeasured warm-up, then a measured window; at its end requests still in flight
 * are aborted (the gateway cancels their work), so the next measurement starts clean.
 */
export async function closedLoop(spec: HttpRequestSpec, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  assertLoopback(spec.url);
  const abort = new RequestAborter();
  const latenciesMs: number[] = [];
  const statuses: StatusCounts = {};
  let started = 0;
  const warmUpEnds = performance.now() + options.warmUpSeconds * 1000;
  let ends = warmUpEnds + options.seconds * 1000;
  const hooks: Promise<void>[] = [];
  const startTimer = setTimeout(() => hooks.push(Promise.resolve(options.onWindowStart?.())), options.warmUpSeconds * 1000);
  const endTimer = setTimeout(
    () => {
      hooks.push(Promise.resolve(options.onWindowEnd?.()));
      abort.abortAll();
    },
    (options.warmUpSeconds + options.seconds) * 1000,
  );
  const client = async () => {
    for (let now = performance.now(); now < ends && started < options.maxRequests && !abort.aborted; now = performance.now()) {
      started += 1;
      const requestStarted = now;
      let outcome: { status: number; body: unknown } | undefined;
      let failure: string | undefined;
      try {
        outcome = await abort.run((signal) => send(spec, signal, options.parseJson === true));
      } catch (error) {
        failure = failureKey(error);
      }
      const finished = performance.now();
      if (finished <= warmUpEnds || finished > ends) continue;
      if (outcome === undefined) {
        count(statuses, failure ?? 'network');
        continue;
      }
      count(statuses, String(outcome.status));
      if (outcome.status === 200) latenciesMs.push(finished - requestStarted);
      options.onAnswer?.(outcome.status, outcome.body);
      // The count bound closes the window at the first answer after it.
      if (started >= options.maxRequests) ends = Math.min(ends, finished);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
    if (!abort.aborted) {
      hooks.push(Promise.resolve(options.onWindowEnd?.()));
      abort.abortAll();
    }
    await Promise.all(hooks);
  }
  // Aborted requests are the loop's own doing, not the server's.
  delete statuses['aborted'];
  return { latenciesMs, statuses, seconds: Math.max(0, Math.min(ends, performance.now()) - warmUpEnds) / 1000 };
}

export interface FixedCountOptions {
  readonly clients: number;
  readonly requestsPerClient: number;
  /** Bound on the whole run, s: requests still open then are aborted and counted as such. */
  readonly timeoutSeconds: number;
}

export interface FixedCountResult {
  /** From the first request sent to the last answer, s. */
  readonly totalSeconds: number;
  readonly latenciesMs: number[];
  readonly statuses: StatusCounts;
}

/** `clients` concurrent clients each sending `requestsPerClient` requests one after another. */
export async function fixedCount(spec: HttpRequestSpec, options: FixedCountOptions): Promise<FixedCountResult> {
  assertLoopback(spec.url);
  const abort = new RequestAborter();
  const timer = setTimeout(() => abort.abortAll(), options.timeoutSeconds * 1000);
  const latenciesMs: number[] = [];
  const statuses: StatusCounts = {};
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        for (let request = 0; request < options.requestsPerClient && !abort.aborted; request += 1) {
          const requestStarted = performance.now();
          try {
            const { status } = await abort.run((signal) => send(spec, signal, false));
            count(statuses, String(status));
            if (status === 200) latenciesMs.push(performance.now() - requestStarted);
          } catch (error) {
            count(statuses, abort.aborted ? 'timeout' : failureKey(error));
          }
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
  return { totalSeconds: (performance.now() - started) / 1000, latenciesMs, statuses };
}

export interface OpenLoopOptions {
  /** Requests per second, sent at even intervals. */
  readonly rate: number;
  readonly seconds: number;
  /** Requests open at once at most; a request due beyond it is not sent and counted as such. */
  readonly maxOutstanding: number;
  /** After the last send, how long answers are awaited before the rest is aborted, s. */
  readonly drainSeconds: number;
}

export interface OpenLoopResult {
  readonly offered: number;
  readonly sent: number;
  /** Due while maxOutstanding requests were open: never sent. */
  readonly notSent: number;
  readonly statuses: StatusCounts;
  /** Latency of the 200 answers from their scheduled send time (no coordinated omission), ms. */
  readonly acceptedLatenciesMs: number[];
  /** Latency of the 429/503 answers, ms: how fast the system says no. */
  readonly rejectedLatenciesMs: number[];
  /** 200 answers in each second from the first send to the last answer. */
  readonly acceptedPerSecond: number[];
  /** 200 answers that arrived during the sending period, per second. */
  readonly acceptedRate: number;
  /** From the first send to the last answer, s: how long the offered work took in all. */
  readonly lastAnswerSeconds: number;
  /** Requests still open when the drain bound ran out, aborted. */
  readonly abortedAtDrain: number;
  /** Client CPU seconds spent over the whole loop (this process). */
  readonly clientCpuSeconds: number;
}

/** Sends at a fixed rate for `seconds`, whatever the answers, then waits a bounded time for the rest. */
export async function openLoop(spec: HttpRequestSpec, options: OpenLoopOptions): Promise<OpenLoopResult> {
  assertLoopback(spec.url);
  const offered = Math.max(1, Math.round(options.rate * options.seconds));
  const intervalMs = 1000 / options.rate;
  const abort = new RequestAborter();
  const statuses: StatusCounts = {};
  const acceptedLatenciesMs: number[] = [];
  const rejectedLatenciesMs: number[] = [];
  /** When each 200 answer arrived, ms after the first send. */
  const acceptedAt: number[] = [];
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let notSent = 0;
  let abortedAtDrain = 0;
  let lastAnswer = 0;
  const cpuBefore = process.cpuUsage();
  const origin = performance.now();
  const fire = (scheduled: number) => {
    if (pending.size >= options.maxOutstanding) {
      notSent += 1;
      return;
    }
    sent += 1;
    const request = abort.run((signal) => send(spec, signal, false)).then(
      ({ status }) => {
        const finished = performance.now();
        lastAnswer = Math.max(lastAnswer, finished);
        count(statuses, String(status));
        const latency = finished - scheduled;
        if (status === 200) {
          acceptedLatenciesMs.push(latency);
          acceptedAt.push(finished - origin);
        } else if (status === 429 || status === 503) rejectedLatenciesMs.push(latency);
      },
      (error: unknown) => {
        if (abort.aborted) abortedAtDrain += 1;
        else count(statuses, failureKey(error));
      },
    );
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };
  // Sends every request whose time has come, then sleeps until the next one is due; timers are
  // coarse (1 ms or worse under load), so a late tick sends the backlog at once.
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < offered && origin + next * intervalMs <= now) {
        fire(origin + next * intervalMs);
        next += 1;
      }
      if (next >= offered) resolve();
      else setTimeout(tick, Math.max(0, origin + next * intervalMs - performance.now()));
    };
    tick();
  });
  const sendingEnded = performance.now();
  const drained = Promise.all([...pending]);
  const timer = setTimeout(() => abort.abortAll(), options.drainSeconds * 1000);
  await drained;
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpuBefore);
  const sendingMs = sendingEnded - origin;
  const acceptedPerSecond = new Array<number>(Math.ceil(Math.max(0, lastAnswer - origin) / 1000)).fill(0);
  for (const at of acceptedAt) acceptedPerSecond[Math.min(acceptedPerSecond.length - 1, Math.floor(at / 1000))] += 1;
  const inPeriod = acceptedAt.filter((at) => at <= sendingMs).length;
  return {
    offered,
    sent,
    notSent,
    statuses,
    acceptedLatenciesMs,
    rejectedLatenciesMs,
    acceptedPerSecond,
    acceptedRate: inPeriod / (sendingMs / 1000),
    lastAnswerSeconds: Math.max(0, lastAnswer - origin) / 1000,
    abortedAtDrain,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}
