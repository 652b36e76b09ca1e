import type { Outcome } from './http.js';

/** One request of a load run, with when it was sent and answered (performance.now() ms). */
export interface Sample {
  readonly index: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly outcome: Outcome;
}

export interface LoadOptions {
  /** Concurrent clients, each sending its next request as soon as its last one is answered. */
  readonly clients: number;
  /** Requests in all; the run also ends at stop() or after maxMs. */
  readonly requests: number;
  readonly maxMs: number;
  readonly send: (index: number) => Promise<Outcome>;
  /**
   * How long a client waits before its next request after this answer, in ms (none by default):
   * a client refused outright backs off rather than spinning through its request budget.
   */
  readonly pauseAfter?: (outcome: Outcome) => number;
}

/** A running bounded load: samples as they come, waits on progress, stop(). */
export class LoadRun {
  readonly samples: Sample[] = [];
  readonly done: Promise<Sample[]>;
  private sent = 0;
  private stopped = false;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  constructor(options: LoadOptions) {
    const started = performance.now();
    const client = async () => {
      while (!this.stopped && this.sent < options.requests && performance.now() - started < options.maxMs) {
        const index = this.sent;
        this.sent += 1;
        const sentAt = performance.now();
        const outcome = await options.send(index);
        this.samples.push({ index, sentAt, answeredAt: performance.now(), outcome });
        for (const waiter of this.waiters.filter((candidate) => this.samples.length >= candidate.count)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        const pause = options.pauseAfter?.(outcome) ?? 0;
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    };
    this.done = Promise.all(Array.from({ length: options.clients }, client)).then(() => {
      // A run that ended early wakes every waiter; they check what they got.
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
      return this.samples;
    });
  }

  /** Resolves once `count` answers are in (or the run is over). */
  answered(count: number): Promise<void> {
    if (this.samples.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Resolves once `more` answers beyond the current ones are in (or the run is over). */
  answeredMore(more: number): Promise<void> {
    return this.answered(this.samples.length + more);
  }

  /** Sends no new request; resolves when the ones in flight are answered. */
  stop(): Promise<Sample[]> {
    this.stopped = true;
    return this.done;
  }
}

/** Counts outcomes by a label, most frequent first. */
export function countBy<T>(items: readonly T[], label: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[label(item)] = (counts[label(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/** `200`, `503 service-unavailable`, `refused`: the label used in counts. */
export function outcomeLabel(outcome: Outcome): string {
  return outcome.problem ? `${outcome.status} ${outcome.problem}` : String(outcome.status);
}
