/** Time and timers as the batcher sees them; tests drive a manual one. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Calls back after delayMs (0: once the current I/O events are handled); returns a cancel function. */
  schedule(callback: () => void, delayMs: number): () => void;
}

/**
 * Real time. A zero delay runs on setImmediate, after the requests that arrived in the same
 * event-loop turn have been queued, so that they can share a batch without any waiting.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  schedule(callback, delayMs) {
    if (delayMs <= 0) {
      const immediate = setImmediate(callback);
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};
