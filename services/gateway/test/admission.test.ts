import { isAppError } from '@skinlesion/errors';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Admission, type AdmissionLimits, type RefusalReason, type Ticket } from '../src/domain/admission.js';
import { photo, photoWith } from './support/fake-services.js';
import { problem, raw } from './support/problem.js';
import { startStack } from './support/stack.js';

const LIMITS: AdmissionLimits = { maxInFlight: 2, maxQueued: 2, maxQueueWaitMs: 1000, maxStandingQueueWaitMs: 1000 };

/** Limits without the standing-queue bound (equal to the queue time), plus the fields given. */
function limits(overrides: Partial<AdmissionLimits>): AdmissionLimits {
  const merged = { ...LIMITS, ...overrides };
  return { ...merged, maxStandingQueueWaitMs: overrides.maxStandingQueueWaitMs ?? merged.maxQueueWaitMs };
}

function clocked(limits: AdmissionLimits = LIMITS) {
  let now = 0;
  const refusals: RefusalReason[] = [];
  const admission = new Admission(limits, { onRefused: (reason) => refusals.push(reason) }, () => now);
  return { admission, refusals, advance: (ms: number) => (now += ms) };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => expect.unreachable('admitted'),
    (caught: unknown) => caught,
  );
  if (!isAppError(error)) throw error;
  return error;
}

describe('Admission', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves maxInFlight at once and the queue in arrival order', async () => {
    const { admission } = clocked();
    const first = await admission.admit();
    await admission.admit();
    const order: string[] = [];
    const third = admission.admit().then((ticket) => (order.push('third'), ticket));
    const fourth = admission.admit().then((ticket) => (order.push('fourth'), ticket));
    expect(admission.state).toMatchObject({ inFlight: 2, queued: 2 });
    first.release(true);
    await third;
    expect(order).toEqual(['third']);
    (await third).release(true);
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(admission.state).toMatchObject({ inFlight: 2, queued: 0 });
  });

  it('refuses at once when the queue is full, with a Retry-After estimate', async () => {
    const { admission, refusals } = clocked();
    for (let i = 0; i < 4; i += 1) void admission.admit();
    const error = await refusal(admission.admit());
    expect(error.code).toBe('RESOURCE_EXHAUSTED');
    expect(error.details).toMatchObject({ reason: 'queue_full', limit: 'MAX_QUEUED_REQUESTS', service: 'gateway' });
    expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refusals).toEqual(['queue_full']);
  });

  it('refuses on arrival a request that would wait longer than allowed, by the measured service time', async () => {
    const { admission, advance, refusals } = clocked(limits({ maxInFlight: 1, maxQueued: 10, maxQueueWaitMs: 1000 }));
    const sample = await admission.admit();
    advance(600);
    sample.release(true);
    expect(admission.state.serviceMs).toBe(600);

    const running = await admission.admit();
    const waiting = admission.admit(); // expected wait 1 x 600 ms: admitted to the queue
    const error = await refusal(admission.admit()); // 2 x 600 ms > 1000 ms
    expect(error.details).toMatchObject({ reason: 'expected_wait', retryAfterSeconds: 2 });
    expect(refusals).toEqual(['expected_wait']);
    running.release(true);
    (await waiting).release(true);
  });

  it('a waiter whose deadline or queue time runs out is refused and leaves the queue', async () => {
    const { admission } = clocked(limits({ maxInFlight: 1, maxQueued: 5, maxQueueWaitMs: 1000 }));
    const holder = await admission.admit();
    const shortDeadline = refusal(admission.admit(undefined, 50));
    const longWait = refusal(admission.admit());
    expect(admission.state.queued).toBe(2);
    await vi.advanceTimersByTimeAsync(50);
    expect((await shortDeadline).details.reason).toBe('queue_timeout');
    expect(admission.state.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(950);
    expect((await longWait).details.reason).toBe('queue_timeout');
    expect(admission.state.queued).toBe(0);
    holder.release(true);
    expect(admission.state.inFlight).toBe(0);
  });

  it('a caller that gives up while queued leaves the queue and its turn passes on', async () => {
    const { admission } = clocked(limits({ maxInFlight: 1, maxQueued: 5, maxQueueWaitMs: 10_000 }));
    const holder = await admission.admit();
    const controller = new AbortController();
    const abandoned = admission.admit(controller.signal);
    const next = admission.admit();
    controller.abort(new Error('client left'));
    await expect(abandoned).rejects.toThrow('client left');
    expect(admission.state.queued).toBe(1);
    holder.release(false);
    const ticket: Ticket = await next;
    expect(admission.state).toMatchObject({ inFlight: 1, queued: 0, serviceMs: undefined });
    ticket.release(true);
    ticket.release(true);
    expect(admission.state.inFlight).toBe(0);
  });

  it('cuts a standing queue: once it has not emptied for the queue time, nobody waits past the standing bound', async () => {
    // One clock for the waits and the timers: the faked Date.
    const refusals: RefusalReason[] = [];
    const admission = new Admission({ maxInFlight: 1, maxQueued: 10, maxQueueWaitMs: 100, maxStandingQueueWaitMs: 5 }, { onRefused: (reason) => refusals.push(reason) }, () => Date.now());
    const at = async (ms: number) => vi.advanceTimersByTimeAsync(ms - (Date.now() - start));
    const start = Date.now();
    const holder = await admission.admit();
    const first = admission.admit();
    await at(60);
    // A burst so far: the queue has stood for 60 ms of its 100, so a newcomer may wait it all.
    const second = admission.admit();
    await at(99);
    holder.release(false);
    const firstTicket = await first;

    await at(110);
    // Not empty since 0: standing. The newcomer may wait 5 ms, and the one waiting since 60 ms
    // gives way to it when the next slot frees.
    const third = admission.admit();
    await at(112);
    firstTicket.release(false);
    const dropped = await refusal(second);
    expect(dropped.details).toMatchObject({ reason: 'standing_queue', limit: 'MAX_STANDING_QUEUE_WAIT_MS', service: 'gateway' });
    const thirdTicket = await third;
    expect(admission.state).toMatchObject({ inFlight: 1, queued: 0 });

    // The queue emptied: the next burst queues for the whole queue time again.
    const fourth = admission.admit();
    await at(162);
    expect(admission.state.queued).toBe(1);
    thirdTicket.release(false);
    (await fourth).release(false);

    // Not empty from 162 ms on (the fifth times out at 262 with the sixth still queued): standing
    // at 270, so a newcomer that cannot start within 5 ms is refused.
    const holderAgain = await admission.admit();
    const fifth = refusal(admission.admit());
    await at(220);
    const sixth = refusal(admission.admit());
    await at(270);
    expect((await fifth).details.reason).toBe('queue_timeout');
    const seventh = refusal(admission.admit());
    await at(275);
    expect((await seventh).details.reason).toBe('standing_queue');
    await at(320);
    expect((await sixth).details.reason).toBe('queue_timeout');
    expect(refusals).toEqual(['standing_queue', 'queue_timeout', 'standing_queue', 'queue_timeout']);
    holderAgain.release(false);
    expect(admission.state).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('rejects nonsensical limits', () => {
    expect(() => new Admission(limits({ maxInFlight: 0, maxQueued: 1, maxQueueWaitMs: 1 }))).toThrow(RangeError);
    expect(() => new Admission(limits({ maxInFlight: 1, maxQueued: -1, maxQueueWaitMs: 1 }))).toThrow(RangeError);
    expect(() => new Admission(limits({ maxStandingQueueWaitMs: 0.5 }))).toThrow(RangeError);
  });
});

describe('the gateway at capacity', () => {
  it('answers 503 with Retry-After at once, per admission group, while other routes keep serving', async () => {
    const stack = await startStack({ maxInFlightRequests: 1, maxQueuedRequests: 0 }, 1);
    try {
      const holding = stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photo({ hang: true })), headers: { 'content-type': 'image/png', 'x-request-timeout-ms': '800' } });
      await stack.tiler.hangStarted;

      const started = performance.now();
      const refused = await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photoWith([3])) });
      const refusedMs = performance.now() - started;
      const body = problem(refused, 503, 'overloaded');
      expect(body).toMatchObject({ service: 'gateway', limit: 'MAX_QUEUED_REQUESTS' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refusedMs).toBeLessThan(1000);
      expect(stack.tiler.calls.filter((call) => call.method === 'Tile')).toHaveLength(1);

      const classify = await stack.app.inject({ method: 'POST', url: '/v1/classify', ...raw(photoWith([3])) });
      expect(classify.statusCode).toBe(200);
      expect((await stack.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      problem(await holding, 504, 'deadline-exceeded');
      const metrics = await stack.registry.metrics();
      expect(metrics).toMatch(/skinlesion_admission_refused_total\{group="analysis",reason="queue_full"\} 1/);
      expect(metrics).toMatch(/skinlesion_admission_in_flight_requests\{group="analysis"\} 0/);
      // The slot is free again.
      expect((await stack.app.inject({ method: 'POST', url: '/v1/analyses', ...raw(photoWith([3])) })).statusCode).toBe(200);
    } finally {
      await stack.close();
    }
  });

  it('refuses in the inference protocols\' own error shape on their routes', async () => {
    const stack = await startStack({ maxInFlightRequests: 1, maxQueuedRequests: 0 }, 1);
    try {
      const replica = stack.classifiers[0];
      let open!: () => void;
      replica.gate = new Promise<void>((resolve) => (open = resolve));
      const arrived = new Promise<void>((resolve) => (replica.onInfer = resolve));
      const holding = stack.app.inject({ method: 'POST', url: '/v1/classify', ...raw(photoWith([3])) });
      await arrived;
      const refused = await stack.app.inject({
        method: 'POST',
        url: '/v1/models/default:predict',
        headers: { 'content-type': 'application/json' },
        payload: { instances: [[[[0, 0, 0]]]] },
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toEqual({ error: expect.stringContaining('at capacity') });
      open();
      expect((await holding).statusCode).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('the client\'s deadline header', () => {
  it('bounds the request and reaches the backend as the gRPC deadline', async () => {
    const stack = await startStack({ requestTimeoutMs: 60_000 }, 1);
    try {
      const started = performance.now();
      const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': 'image/png', 'x-request-timeout-ms': '200' }, payload: photo({ hang: true }) });
      problem(response, 504, 'deadline-exceeded');
      expect(performance.now() - started).toBeLessThan(5000);
      await stack.tiler.cancelled;
    } finally {
      await stack.close();
    }
  });

  it('refuses a value that is not a positive whole number of milliseconds', async () => {
    const stack = await startStack({}, 1);
    try {
      for (const value of ['soon', '-5', '0', '1.5', '99999999999']) {
        const response = await stack.app.inject({ method: 'POST', url: '/v1/analyses', headers: { 'content-type': 'image/png', 'x-request-timeout-ms': value }, payload: photoWith([3]) });
        expect(problem(response, 400, 'invalid-request')).toMatchObject({ header: 'x-request-timeout-ms' });
      }
    } finally {
      await stack.close();
    }
  });
});
