import type { AdmissionAtKnee } from './types.js';

/** Room above the knee's concurrency, for batching and for jitter in the service time. */
const KNEE_HEADROOM = 1.5;
/**
 * The gateway's admission limit an operator would set for latency under sustained overload (the
 * docs' advice: serve about the concurrency at which throughput stops growing): by Little's law
 * that concurrency is the saturation throughput x the unloaded latency, with headroom. No queue:
 * under sustained overload a queue never empties, so every request in it waits about the whole
 * queue and throughput gains nothing (on 2 cores, with as many queued as in flight and waits up to
 * the unloaded p99, the accepted p99 was 2.9x unloaded against 1.8x with none, for 0.9x against
 * 0.8x of saturation held). A queue is for bursts, which a constant open loop does not have.
 */
export function admissionAtKnee(saturationPerSecond: number, unloadedP50Ms: number): AdmissionAtKnee {
  const knee = Math.max(2, Math.ceil((saturationPerSecond * unloadedP50Ms * KNEE_HEADROOM) / 1000));
  return { maxInFlight: knee, maxQueued: 0, maxQueueWaitMs: 0 };
}

/** The admission limit in words, for the report. */
export function admissionSummary({ maxInFlight, maxQueued, maxQueueWaitMs }: AdmissionAtKnee): string {
  if (maxQueued === 0) return `${maxInFlight} in flight, no queue`;
  return `${maxInFlight} in flight + ${maxQueued} queued, ${maxQueueWaitMs} ms longest wait`;
}
