import { AppError, ResourceExhaustedError } from '@skinlesion/errors';

export interface AdmissionLimits {
  /** Requests served at once; more wait in the queue. */
  readonly maxInFlight: number;
  /** Requests waiting for a slot; one more is refused at once. */
  readonly maxQueued: number;
  /**
   * Longest a request may wait for a slot, in ms. A request whose expected wait is already
   * longer is refused on arrival rather than after waiting for it.
   */
  readonly maxQueueWaitMs: number;
  /**
   * Longest wait, in ms, once the queue is standing: it has not been empty for maxQueueWaitMs.
   * A burst leaves a queue that empties again; sustained overload keeps it full, and then every
   * queued request waits about the whole queue and throughput gains nothing from it. This bound
   * turns that standing queue into refusals (the controlled delay of Maurer, "Fail at Scale",
   * ACM Queue 2015). Capped by maxQueueWaitMs; equal to it, it changes nothing.
   */
  readonly maxStandingQueueWaitMs: number;
}

/** Why a request was not admitted; a metrics label. */
export type RefusalReason = 'queue_full' | 'expected_wait' | 'queue_timeout' | 'standing_queue';

export interface AdmissionObserver {
  onAdmitted?(waitedMs: number): void;
  onRefused?(reason: RefusalReason): void;
  onChange?(inFlight: number, queued: number): void;
}

/** Held by an admitted request; release it exactly once, when its response is finished. */
export interface Ticket {
  /** `completed`: the request ran to its end, so its time is a fair sample of the service time. */
  release(completed: boolean): void;
}

interface Waiter {
  readonly enqueuedAt: number;
  admit(): void;
  refuse(reason: RefusalReason): void;
  settled: boolean;
}

/** Weight of the newest sample in the service-time average: about the last 10 requests. */
const SERVICE_TIME_SMOOTHING = 0.1;
const MS_PER_S = 1000;

/**
 * A concurrency limit with a bounded FIFO queue: the gateway's back-pressure. Past capacity a
 * request is refused in microseconds with RESOURCE_EXHAUSTED and a Retry-After estimate, instead
 * of joining an unbounded backlog in which every request, admitted or not, gets slower.
 *
 * The expected wait of a newcomer is (requests ahead of it + 1) x the mean service time / the
 * slots; the mean is a moving average of the requests that ran to completion. Until a first
 * request completes there is no estimate and only the queue bound applies.
 */
export class Admission {
  private readonly limits: AdmissionLimits;
  private readonly observer: AdmissionObserver;
  private readonly now: () => number;
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private serviceMs: number | undefined;
  /** When the queue last went from empty to not empty. */
  private queuedSince = 0;

  constructor(limits: AdmissionLimits, observer: AdmissionObserver = {}, now: () => number = performance.now.bind(performance)) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < (name === 'maxInFlight' ? 1 : 0)) throw new RangeError(`${name} must be a non-negative integer (maxInFlight >= 1), got ${value}`);
    }
    this.limits = { ...limits, maxStandingQueueWaitMs: Math.min(limits.maxStandingQueueWaitMs, limits.maxQueueWaitMs) };
    this.observer = observer;
    this.now = now;
  }

  get state(): { inFlight: number; queued: number; serviceMs: number | undefined } {
    return { inFlight: this.inFlight, queued: this.queue.length, serviceMs: this.serviceMs };
  }

  /**
   * Resolves with a ticket when a slot is free. Rejects with ResourceExhaustedError (details:
   * limit, reason, retryAfterSeconds) when the request cannot be served in time, and with the
   * signal's reason when the caller gives up while waiting. `timeBudgetMs`: what is left of the
   * request's deadline, which bounds its wait like maxQueueWaitMs does.
   */
  admit(signal?: AbortSignal, timeBudgetMs = Infinity): Promise<Ticket> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new AppError('CANCELLED', 'the request was cancelled'));
    if (this.inFlight < this.limits.maxInFlight && this.queue.length === 0) return Promise.resolve(this.start(0));
    if (this.queue.length >= this.limits.maxQueued) return Promise.reject(this.refuse('queue_full'));
    const standing = this.standing();
    const expected = this.expectedWaitMs(this.queue.length + 1);
    const budget = Math.min(standing ? this.limits.maxStandingQueueWaitMs : this.limits.maxQueueWaitMs, timeBudgetMs);
    const overdue: RefusalReason = standing ? 'standing_queue' : 'queue_timeout';
    if (expected !== undefined && expected > budget) return Promise.reject(this.refuse(standing ? 'standing_queue' : 'expected_wait'));

    return new Promise<Ticket>((resolve, reject) => {
      const enqueuedAt = this.now();
      const settle = (outcome: () => void) => {
        if (waiter.settled) return;
        waiter.settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const leaveQueue = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        this.changed();
      };
      const onAbort = () =>
        settle(() => {
          leaveQueue();
          reject(signal?.reason ?? new AppError('CANCELLED', 'the request was cancelled'));
        });
      const waiter: Waiter = {
        enqueuedAt,
        settled: false,
        admit: () => settle(() => resolve(this.start(this.now() - enqueuedAt))),
        refuse: (reason) =>
          settle(() => {
            leaveQueue();
            reject(this.refuse(reason));
          }),
      };
      const timer = setTimeout(() => waiter.refuse(overdue), Math.max(0, budget));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.queue.length === 0) this.queuedSince = enqueuedAt;
      this.queue.push(waiter);
      this.changed();
    });
  }

  private start(waitedMs: number): Ticket {
    this.inFlight += 1;
    this.observer.onAdmitted?.(waitedMs);
    this.changed();
    const startedAt = this.now();
    let released = false;
    return {
      release: (completed) => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        if (completed) this.sample(this.now() - startedAt);
        this.next();
      },
    };
  }

  private next(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      // Once the queue stands, those who queued before it did and have waited past its bound
      // give their slot to a fresher request: theirs is the wait the bound exists to cut.
      const standing = this.standing();
      const waiter = this.queue.shift() as Waiter;
      if (waiter.settled) continue;
      if (standing && this.now() - waiter.enqueuedAt > this.limits.maxStandingQueueWaitMs) waiter.refuse('standing_queue');
      else waiter.admit();
    }
    this.changed();
  }

  /** The queue has not been empty for maxQueueWaitMs: sustained overload, not a burst. */
  private standing(): boolean {
    return this.queue.length > 0 && this.now() - this.queuedSince >= this.limits.maxQueueWaitMs;
  }

  private sample(ms: number): void {
    this.serviceMs = this.serviceMs === undefined ? ms : this.serviceMs + SERVICE_TIME_SMOOTHING * (ms - this.serviceMs);
  }

  /** How long the n-th request in the queue waits for a slot, by the mean service time. */
  private expectedWaitMs(position: number): number | undefined {
    if (this.serviceMs === undefined) return undefined;
    return (position * this.serviceMs) / this.limits.maxInFlight;
  }

  private refuse(reason: RefusalReason): ResourceExhaustedError {
    this.observer.onRefused?.(reason);
    // When the queue has room again: the time for what is queued now to start.
    const drainMs = this.expectedWaitMs(this.queue.length + 1) ?? this.limits.maxQueueWaitMs;
    const retryAfterSeconds = Math.max(1, Math.ceil(drainMs / MS_PER_S));
    const { maxInFlight, maxQueued, maxQueueWaitMs, maxStandingQueueWaitMs } = this.limits;
    const why: Record<RefusalReason, string> = {
      queue_full: `${maxInFlight} requests are being served and ${maxQueued} are waiting, the most allowed`,
      expected_wait: `a new request would wait about ${Math.round(this.expectedWaitMs(this.queue.length + 1) ?? 0)} ms for a slot, more than the ${maxQueueWaitMs} ms allowed or the request's deadline`,
      queue_timeout: `the request waited for a slot until its queue time (${maxQueueWaitMs} ms) or its deadline ran out`,
      standing_queue: `requests have waited for slots without a break for over ${maxQueueWaitMs} ms (sustained overload), and then none may wait more than ${maxStandingQueueWaitMs} ms`,
    };
    const limit: Record<RefusalReason, string> = {
      queue_full: 'MAX_QUEUED_REQUESTS',
      expected_wait: 'MAX_QUEUE_WAIT_MS',
      queue_timeout: 'MAX_QUEUE_WAIT_MS',
      standing_queue: 'MAX_STANDING_QUEUE_WAIT_MS',
    };
    return new ResourceExhaustedError(`the gateway is at capacity: ${why[reason]}; retry after ${retryAfterSeconds} s`, {
      service: 'gateway',
      limit: limit[reason],
      reason,
      retryAfterSeconds,
    });
  }

  private changed(): void {
    this.observer.onChange?.(this.inFlight, this.queue.length);
  }
}
