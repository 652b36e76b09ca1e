import { AppError } from '@skinlesion/errors';
import { describe, expect, it } from 'vitest';
import { DynamicBatcher, type BatcherObserver, type BatchSlice } from '../src/batching/dynamic-batcher.js';
import { ManualClock, settle } from './fixtures/manual-clock.js';

/** A request's input: its id, from which the fake model derives each item's outputs. */
interface Input {
  readonly id: number;
}

interface Call {
  readonly slices: readonly BatchSlice<Input>[];
  readonly size: number;
  /** Completes the batch with outputs that name each item: id * 1000 + item, and its negative (width 2). */
  succeed(): void;
  fail(error: Error): void;
  /** Completes the batch with wrongly sized outputs. */
  misbehave(): void;
}

/** An executor whose batches the test completes by hand, recording what it was given. */
function fakeModel() {
  const calls: Call[] = [];
  const execute = (slices: readonly BatchSlice<Input>[], size: number) =>
    new Promise<Float32Array[]>((resolve, reject) => {
      calls.push({
        slices,
        size,
        succeed() {
          const first = new Float32Array(size);
          const second = new Float32Array(size * 2);
          let at = 0;
          for (const { input, start, end } of slices) {
            for (let item = start; item < end; item += 1, at += 1) {
              first[at] = input.id * 1000 + item;
              second.set([input.id * 1000 + item, -(input.id * 1000 + item)], at * 2);
            }
          }
          resolve([first, second]);
        },
        fail: reject,
        misbehave: () => resolve([new Float32Array(size + 1), new Float32Array(size * 2)]),
      });
    });
  return { calls, execute };
}

function expected(id: number, count: number): [number[], number[]] {
  const items = Array.from({ length: count }, (_, item) => id * 1000 + item);
  return [items, items.flatMap((value) => [value, -value])];
}

function shapeOf(call: Call): string[] {
  return call.slices.map(({ input, start, end }) => `${input.id}:${start}-${end}`);
}

function setup(options: { maxBatch: number; maxDelayMs: number; maxQueue?: number; maxInFlight?: number; observer?: BatcherObserver }) {
  const clock = new ManualClock();
  const model = fakeModel();
  const batcher = new DynamicBatcher<Input>(model.execute, { maxQueue: 1000, outputWidths: [1, 2], clock, ...options });
  return { clock, model, batcher };
}

async function outputsOf(promise: Promise<Float32Array[]>): Promise<number[][]> {
  return (await promise).map((values) => Array.from(values));
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('DynamicBatcher', () => {
  it('forms one batch from concurrent requests once the oldest has waited the delay', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 8, maxDelayMs: 5 });
    const a = batcher.submit({ id: 1 }, 2);
    await clock.advance(2);
    const b = batcher.submit({ id: 2 }, 3);
    const c = batcher.submit({ id: 3 }, 1);
    expect(batcher.queueDepth).toBe(6);
    // The delay runs from the oldest request's arrival (t = 0), not from the latest.
    await clock.advance(2);
    expect(model.calls).toHaveLength(0);
    await clock.advance(1);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-2', '2:0-3', '3:0-1']]);
    expect(model.calls[0].size).toBe(6);
    expect(batcher.queueDepth).toBe(0);
    model.calls[0].succeed();
    expect(await outputsOf(a)).toEqual(expected(1, 2));
    expect(await outputsOf(b)).toEqual(expected(2, 3));
    expect(await outputsOf(c)).toEqual(expected(3, 1));
  });

  it('starts a full batch at once, however long the delay', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 1000 });
    void batcher.submit({ id: 1 }, 3);
    await clock.advance(0);
    expect(model.calls).toHaveLength(0);
    void batcher.submit({ id: 2 }, 2);
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-3', '2:0-1']]);
  });

  it('with no delay, runs what waits as soon as the model is free', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 8, maxDelayMs: 0 });
    const a = batcher.submit({ id: 1 }, 1);
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-1']]);
    // Arrivals during a batch wait for it, then go together.
    const b = batcher.submit({ id: 2 }, 1);
    const c = batcher.submit({ id: 3 }, 2);
    await clock.advance(0);
    expect(model.calls).toHaveLength(1);
    model.calls[0].succeed();
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-1'], ['2:0-1', '3:0-2']]);
    model.calls[1].succeed();
    expect((await outputsOf(a))[0]).toEqual([1000]);
    expect((await outputsOf(b))[0]).toEqual([2000]);
    expect((await outputsOf(c))[0]).toEqual([3000, 3001]);
  });

  it('splits requests larger than the batch, shares batches between requests and returns items in order', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 0 });
    const a = batcher.submit({ id: 1 }, 6);
    const b = batcher.submit({ id: 2 }, 3);
    await clock.advance(0);
    const c = batcher.submit({ id: 3 }, 1);
    for (let batch = 0; batch < 3; batch += 1) {
      // One batch at a time: the next starts only when this one is done.
      expect(model.calls).toHaveLength(batch + 1);
      model.calls[batch].succeed();
      await clock.advance(0);
    }
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4'], ['1:4-6', '2:0-2'], ['2:2-3', '3:0-1']]);
    expect(await outputsOf(a)).toEqual(expected(1, 6));
    expect(await outputsOf(b)).toEqual(expected(2, 3));
    expect(await outputsOf(c)).toEqual(expected(3, 1));
  });

  it('refuses a request the queue cannot hold with RESOURCE_EXHAUSTED and a retry time from the measured rate', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 0, maxQueue: 10 });
    void batcher.submit({ id: 1 }, 4);
    await clock.advance(0);
    // Before any batch has finished, the rate is unknown: retry in 1 s.
    void batcher.submit({ id: 2 }, 8);
    const early = await refusal(batcher.submit({ id: 3 }, 3));
    expect(early).toMatchObject({ code: 'RESOURCE_EXHAUSTED', details: { limit: 'CLASSIFIER_MAX_QUEUE', maxQueue: 10, queueDepth: 8, count: 3, retryAfterSeconds: 1 } });
    expect(early.message).toBe("the classifier's queue holds 8 of at most 10 crops, too many to take 3 more: retry in 1 s or on another replica");
    // The first batch of 4 takes 2 s: 2 crops/s, so the 8 waiting take 4 s.
    await clock.advance(2000);
    model.calls[0].succeed();
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4'], ['2:0-4']]);
    expect(batcher.queueDepth).toBe(4);
    void batcher.submit({ id: 4 }, 4);
    expect(batcher.queueDepth).toBe(8);
    expect((await refusal(batcher.submit({ id: 5 }, 3))).details).toMatchObject({ retryAfterSeconds: 4 });
    // What fits is taken: 2 more make exactly 10.
    void batcher.submit({ id: 6 }, 2);
    expect(batcher.queueDepth).toBe(10);
  });

  it("drops a cancelled request's waiting items and fails it with CANCELLED", async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 10 });
    const controller = new AbortController();
    const a = batcher.submit({ id: 1 }, 3, controller.signal);
    const b = batcher.submit({ id: 2 }, 2);
    expect(batcher.queueDepth).toBe(5);
    controller.abort();
    expect(await refusal(a)).toMatchObject({ code: 'CANCELLED' });
    expect(batcher.queueDepth).toBe(2);
    await clock.advance(10);
    expect(model.calls.map(shapeOf)).toEqual([['2:0-2']]);
    model.calls[0].succeed();
    expect(await outputsOf(b)).toEqual(expected(2, 2));
    // Already cancelled: refused before queueing.
    expect(await refusal(batcher.submit({ id: 3 }, 1, controller.signal))).toMatchObject({ code: 'CANCELLED' });
  });

  it('drops the rest of a split request cancelled while its first part runs', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 0 });
    const controller = new AbortController();
    const a = batcher.submit({ id: 1 }, 6, controller.signal);
    await clock.advance(0);
    const b = batcher.submit({ id: 2 }, 1);
    expect(batcher.queueDepth).toBe(3);
    controller.abort();
    expect(await refusal(a)).toMatchObject({ code: 'CANCELLED' });
    expect(batcher.queueDepth).toBe(1);
    model.calls[0].succeed();
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4'], ['2:0-1']]);
    model.calls[1].succeed();
    expect(await outputsOf(b)).toEqual(expected(2, 1));
  });

  it('fails only the requests of a failed batch, dropping their remaining items', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 2, maxDelayMs: 0 });
    const a = batcher.submit({ id: 1 }, 3);
    const b = batcher.submit({ id: 2 }, 2);
    await clock.advance(0);
    model.calls[0].fail(new Error('out of memory'));
    await expect(a).rejects.toThrow('out of memory');
    await clock.advance(0);
    // The third item of request 1 never runs.
    expect(model.calls.map(shapeOf)).toEqual([['1:0-2'], ['2:0-2']]);
    model.calls[1].succeed();
    expect(await outputsOf(b)).toEqual(expected(2, 2));
  });

  it('fails the batch when the model returns outputs of the wrong size', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 0 });
    const a = batcher.submit({ id: 1 }, 2);
    await clock.advance(0);
    model.calls[0].misbehave();
    await expect(a).rejects.toThrow('the batch of 2 returned outputs of [3, 4] values, expected [2, 4]');
  });

  it('on close, fails waiting requests, refuses new ones and resolves once the running batch is done', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 2, maxDelayMs: 0 });
    const a = batcher.submit({ id: 1 }, 2);
    const b = batcher.submit({ id: 2 }, 1);
    await clock.advance(0);
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    expect(await refusal(b)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await refusal(batcher.submit({ id: 3 }, 1))).toMatchObject({ code: 'UNAVAILABLE' });
    await settle();
    expect(closed).toBe(false);
    model.calls[0].succeed();
    await closing;
    expect(await outputsOf(a)).toEqual(expected(1, 2));
    expect(model.calls).toHaveLength(1);
  });

  it('reports queue depth, waits, batches, outcomes and requests in flight', async () => {
    const events: string[] = [];
    const observer: BatcherObserver = {
      queueDepth: (items) => events.push(`depth ${items}`),
      queueWait: (seconds, items) => events.push(`wait ${seconds} x${items}`),
      batch: (size, seconds) => events.push(`batch ${size} in ${seconds}`),
      request: (outcome) => events.push(`request ${outcome}`),
      inFlight: (requests) => events.push(`in flight ${requests}`),
    };
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 3, maxQueue: 5, observer });
    void batcher.submit({ id: 1 }, 2);
    await clock.advance(1);
    void batcher.submit({ id: 2 }, 3);
    await refusal(batcher.submit({ id: 3 }, 1));
    await clock.advance(2);
    await clock.advance(5);
    model.calls[0].succeed();
    await clock.advance(0);
    model.calls[1].succeed();
    await settle();
    expect(events).toEqual([
      'depth 2',
      'in flight 1',
      'depth 5',
      'in flight 2',
      'request rejected',
      // t = 1 ms: 5 crops wait, a full batch of 4 starts at once; the first request waited 1 ms,
      // the second none, and one of its crops stays behind.
      'depth 1',
      'wait 0.001 x2',
      'wait 0 x2',
      'batch 4 in 0.007',
      'in flight 1',
      'request ok',
      // t = 8 ms: the crop left behind has waited since t = 1 ms.
      'depth 0',
      'wait 0.007 x1',
      'batch 1 in 0',
      'in flight 0',
      'request ok',
    ]);
  });
});

describe('DynamicBatcher pipelined (maxInFlight 2)', () => {
  it('hands the next batch over while one runs, by the same rules, and no third', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 4, maxDelayMs: 5, maxInFlight: 2 });
    const a = batcher.submit({ id: 1 }, 4);
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4']]);
    // The next batch still waits for the delay (or for a full batch) while the first runs.
    const b = batcher.submit({ id: 2 }, 1);
    await clock.advance(4);
    expect(model.calls).toHaveLength(1);
    await clock.advance(1);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4'], ['2:0-1']]);
    // Two in flight: a third waits, whatever its delay, until one finishes.
    const c = batcher.submit({ id: 3 }, 4);
    await clock.advance(100);
    expect(model.calls).toHaveLength(2);
    expect(batcher.queueDepth).toBe(4);
    model.calls[0].succeed();
    await clock.advance(0);
    expect(model.calls.map(shapeOf)).toEqual([['1:0-4'], ['2:0-1'], ['3:0-4']]);
    model.calls[1].succeed();
    model.calls[2].succeed();
    expect(await outputsOf(a)).toEqual(expected(1, 4));
    expect(await outputsOf(b)).toEqual(expected(2, 1));
    expect(await outputsOf(c)).toEqual(expected(3, 4));
  });

  it('times a batch handed over early from the end of the one before it, and counts the wait for it as queueing', async () => {
    const events: string[] = [];
    const observer: BatcherObserver = {
      queueWait: (seconds, items) => events.push(`wait ${seconds} x${items}`),
      batch: (size, seconds) => events.push(`batch ${size} in ${seconds}`),
    };
    const { clock, model, batcher } = setup({ maxBatch: 2, maxDelayMs: 0, maxInFlight: 2, observer });
    void batcher.submit({ id: 1 }, 2);
    await clock.advance(0);
    void batcher.submit({ id: 2 }, 2);
    await clock.advance(0);
    expect(model.calls).toHaveLength(2);
    // The first batch takes 10 ms; the second, handed over at t = 0, starts then and takes 4 ms.
    await clock.advance(10);
    model.calls[0].succeed();
    await clock.advance(4);
    model.calls[1].succeed();
    await settle();
    expect(events).toEqual(['wait 0 x2', 'batch 2 in 0.01', 'wait 0.01 x2', 'batch 2 in 0.004']);
  });

  it('on close, resolves once every batch handed over has completed', async () => {
    const { clock, model, batcher } = setup({ maxBatch: 1, maxDelayMs: 0, maxInFlight: 2 });
    const a = batcher.submit({ id: 1 }, 1);
    const b = batcher.submit({ id: 2 }, 1);
    const c = batcher.submit({ id: 3 }, 1);
    await clock.advance(0);
    await clock.advance(0);
    expect(model.calls).toHaveLength(2);
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    expect(await refusal(c)).toMatchObject({ code: 'UNAVAILABLE' });
    model.calls[0].succeed();
    await settle();
    expect(closed).toBe(false);
    model.calls[1].succeed();
    await closing;
    expect(await outputsOf(a)).toEqual(expected(1, 1));
    expect(await outputsOf(b)).toEqual(expected(2, 1));
  });

  it('refuses a maxInFlight that is not a positive integer', () => {
    expect(() => setup({ maxBatch: 1, maxDelayMs: 0, maxInFlight: 0 })).toThrow('maxInFlight must be a positive integer, got 0');
  });
});
