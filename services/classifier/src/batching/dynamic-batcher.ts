import { AppError, ResourceExhaustedError, UnavailableError } from '@skinlesion/errors';
import { systemClock, type Clock } from './clock.js';

/** Items [start, end) of one request's input, part of a batch. */
export interface BatchSlice<T> {
  readonly input: T;
  readonly start: number;
  readonly end: number;
}

/**
 * Runs one batch: the slices in order, `size` items in all. Resolves with one array per output,
 * `size * outputWidths[k]` values each, item after item in slice order.
 */
export type BatchExecutor<T> = (slices: readonly BatchSlice<T>[], size: number) => Promise<readonly Float32Array[]>;

export type RequestOutcome = 'ok' | 'rejected' | 'cancelled' | 'failed';

/** What the batcher reports as it works (the service turns it into Prometheus metrics). */
export interface BatcherObserver {
  /** Items waiting, after every change. */
  queueDepth?(items: number): void;
  /**
   * How long `items` items waited from their request's arrival to the start of their batch: when
   * the executor took it, or, pipelined, when the batch before it finished. Reported when the
   * batch ends.
   */
  queueWait?(seconds: number, items: number): void;
  /** A batch ran: its size and how long the executor spent on it (from its start, as above). */
  batch?(size: number, seconds: number): void;
  /** A request finished, one way or another. */
  request?(outcome: RequestOutcome): void;
  /** Requests accepted and not yet finished, after every change. */
  inFlight?(requests: number): void;
}

export interface BatcherOptions {
  /** Largest batch given to the executor. */
  readonly maxBatch: number;
  /** Longest time the first waiting item holds a batch open for more items, in ms (0: never waits). */
  readonly maxDelayMs: number;
  /** Items that may wait at once; a request that would exceed it is refused with RESOURCE_EXHAUSTED. */
  readonly maxQueue: number;
  /**
   * Batches handed to the executor at once (1 by default). 2 pipelines a single-threaded model: the
   * next batch is formed and handed over while one runs, so that the model does not wait for this
   * thread between batches. The executor must then run batches in the order given.
   */
  readonly maxInFlight?: number;
  /** Values per item of each output. */
  readonly outputWidths: readonly number[];
  readonly observer?: BatcherObserver;
  readonly clock?: Clock;
}

interface Pending<T> {
  readonly input: T;
  readonly count: number;
  readonly arrivedAt: number;
  readonly outputs: Float32Array[];
  /** First item not yet handed to a batch. */
  next: number;
  /** Items whose results are in. */
  done: number;
  settled: boolean;
  readonly resolve: (outputs: Float32Array[]) => void;
  readonly reject: (error: unknown) => void;
  detach?: () => void;
}

/** Weight of the newest batch in the throughput estimate behind retryAfterSeconds. */
const RATE_SMOOTHING = 0.2;

/**
 * Dynamic batching across concurrent requests, in the manner of Triton's dynamic batcher: items
 * of all requests wait in one FIFO queue and run in batches of up to maxBatch, one batch at a
 * time (one inference thread per replica), or with maxInFlight 2 one running and the next handed
 * over. A batch is handed over as soon as the executor has room and either maxBatch items wait or
 * the oldest has waited maxDelayMs. Requests larger than maxBatch
 * are split; their items share batches with other requests' and are routed back in order. A
 * cancelled request's waiting items are dropped; a failed batch fails only the requests in it.
 */
export class DynamicBatcher<T> {
  private readonly queue: Pending<T>[] = [];
  private depth = 0;
  private requests = 0;
  /** Batches handed to the executor and not yet finished. */
  private inFlight = 0;
  /** When the last batch finished: a pipelined batch starts then, not when it was handed over. */
  private lastFinished = -Infinity;
  private readonly maxInFlight: number;
  private closed: Error | undefined;
  private cancelTimer: (() => void) | undefined;
  private timerDue = Infinity;
  /** Items per second through the executor, smoothed; 0 until the first batch. */
  private rate = 0;
  private readonly clock: Clock;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly execute: BatchExecutor<T>,
    private readonly options: BatcherOptions,
  ) {
    const { maxBatch, maxDelayMs, maxQueue } = options;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    if (!(maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be >= 0, got ${maxDelayMs}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new RangeError(`maxQueue must be a positive integer, got ${maxQueue}`);
    this.maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${this.maxInFlight}`);
    this.clock = options.clock ?? systemClock;
  }

  /** Items waiting for a batch. */
  get queueDepth(): number {
    return this.depth;
  }

  /** Queues `count` items of `input`; resolves with their outputs, in item order. */
  submit(input: T, count: number, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed !== undefined) return Promise.reject(this.closed);
    if (!Number.isInteger(count) || count < 1) return Promise.reject(new RangeError(`count must be a positive integer, got ${count}`));
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.depth + count > this.options.maxQueue) {
      this.options.observer?.request?.('rejected');
      return Promise.reject(this.queueFull(count));
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      const pending: Pending<T> = {
        input,
        count,
        arrivedAt: this.clock.now(),
        outputs: this.options.outputWidths.map((width) => new Float32Array(count * width)),
        next: 0,
        done: 0,
        settled: false,
        resolve,
        reject,
      };
      if (signal !== undefined) {
        const onAbort = () => this.cancel(pending);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(pending);
      this.setDepth(this.depth + count);
      this.setRequests(this.requests + 1);
      this.plan();
    });
  }

  /**
   * Refuses new requests and fails the waiting ones with `reason`. Resolves once the batches
   * handed to the executor (if any) have completed, after which the executor is not called again.
   */
  close(reason: Error = new UnavailableError('the classifier is shutting down')): Promise<void> {
    if (this.closed === undefined) {
      this.closed = reason;
      this.disarm();
      for (const pending of this.queue.splice(0)) this.settle(pending, 'failed', reason);
      this.setDepth(0);
    }
    return this.inFlight > 0 ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  private queueFull(count: number): ResourceExhaustedError {
    const { maxQueue } = this.options;
    // Time to work off what waits now, at the measured rate: when a retry is likely to fit.
    const retryAfterSeconds = this.rate > 0 ? Math.max(1, Math.ceil(this.depth / this.rate)) : 1;
    return new ResourceExhaustedError(
      `the classifier's queue holds ${this.depth} of at most ${maxQueue} crops, too many to take ${count} more: retry in ${retryAfterSeconds} s or on another replica`,
      { limit: 'CLASSIFIER_MAX_QUEUE', maxQueue, queueDepth: this.depth, count, retryAfterSeconds },
    );
  }

  /** Starts a batch now or arms the timer for when one is due. */
  private plan(): void {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0 || this.closed !== undefined) return;
    const now = this.clock.now();
    const due = this.depth >= this.options.maxBatch ? now : this.queue[0].arrivedAt + this.options.maxDelayMs;
    if (due >= this.timerDue) return;
    this.disarm();
    this.timerDue = due;
    this.cancelTimer = this.clock.schedule(() => {
      this.cancelTimer = undefined;
      this.timerDue = Infinity;
      void this.dispatch();
    }, Math.max(0, due - now));
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerDue = Infinity;
  }

  private takeBatch(): { slices: { pending: Pending<T>; start: number; end: number }[]; size: number } {
    const slices: { pending: Pending<T>; start: number; end: number }[] = [];
    let size = 0;
    while (size < this.options.maxBatch && this.queue.length > 0) {
      const pending = this.queue[0];
      const take = Math.min(pending.count - pending.next, this.options.maxBatch - size);
      slices.push({ pending, start: pending.next, end: pending.next + take });
      pending.next += take;
      size += take;
      if (pending.next === pending.count) this.queue.shift();
    }
    return { slices, size };
  }

  private async dispatch(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0 || this.closed !== undefined) return;
    const { slices, size } = this.takeBatch();
    this.setDepth(this.depth - size);
    const handedOver = this.clock.now();
    this.inFlight += 1;
    // With room for another batch, the next one is planned while this one runs.
    this.plan();
    try {
      const outputs = await this.execute(
        slices.map(({ pending, start, end }) => ({ input: pending.input, start, end })),
        size,
      );
      this.checkOutputs(outputs, size);
      const seconds = this.finished(slices, handedOver);
      this.options.observer?.batch?.(size, seconds);
      if (seconds > 0) this.rate = this.rate === 0 ? size / seconds : (1 - RATE_SMOOTHING) * this.rate + RATE_SMOOTHING * (size / seconds);
      this.scatter(slices, outputs);
    } catch (error) {
      this.finished(slices, handedOver);
      for (const pending of new Set(slices.map((slice) => slice.pending))) this.fail(pending, error);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      this.plan();
    }
  }

  /**
   * Notes a batch's end and reports its items' queue waits; returns the seconds the executor
   * spent on it. The executor runs batches in order, so a batch handed over while another ran
   * started when that one finished.
   */
  private finished(slices: readonly { pending: Pending<T>; start: number; end: number }[], handedOver: number): number {
    const now = this.clock.now();
    const started = Math.max(handedOver, this.lastFinished);
    this.lastFinished = now;
    for (const slice of slices) this.options.observer?.queueWait?.((started - slice.pending.arrivedAt) / 1000, slice.end - slice.start);
    return (now - started) / 1000;
  }

  private checkOutputs(outputs: readonly Float32Array[], size: number): void {
    const widths = this.options.outputWidths;
    if (outputs.length !== widths.length || outputs.some((values, k) => values.length !== size * widths[k])) {
      const got = outputs.map((values) => values.length).join(', ');
      throw new Error(`the batch of ${size} returned outputs of [${got}] values, expected [${widths.map((w) => w * size).join(', ')}]`);
    }
  }

  private scatter(slices: readonly { pending: Pending<T>; start: number; end: number }[], outputs: readonly Float32Array[]): void {
    const widths = this.options.outputWidths;
    let offset = 0;
    for (const { pending, start, end } of slices) {
      const items = end - start;
      if (!pending.settled) {
        outputs.forEach((values, k) => pending.outputs[k].set(values.subarray(offset * widths[k], (offset + items) * widths[k]), start * widths[k]));
        pending.done += items;
        if (pending.done === pending.count) this.settle(pending, 'ok');
      }
      offset += items;
    }
  }

  /** Drops the request's waiting items and fails it. */
  private fail(pending: Pending<T>, error: unknown, outcome: RequestOutcome = 'failed'): void {
    if (pending.settled) return;
    const index = this.queue.indexOf(pending);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.setDepth(this.depth - (pending.count - pending.next));
    }
    this.settle(pending, outcome, error);
  }

  private cancel(pending: Pending<T>): void {
    this.fail(pending, cancelled(), 'cancelled');
  }

  private settle(pending: Pending<T>, outcome: RequestOutcome, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detach?.();
    this.setRequests(this.requests - 1);
    this.options.observer?.request?.(outcome);
    if (outcome === 'ok') pending.resolve(pending.outputs);
    else pending.reject(error);
  }

  private setDepth(depth: number): void {
    this.depth = depth;
    this.options.observer?.queueDepth?.(depth);
  }

  private setRequests(requests: number): void {
    this.requests = requests;
    this.options.observer?.inFlight?.(requests);
  }
}

function cancelled(): AppError {
  return new AppError('CANCELLED', 'the call was cancelled');
}
