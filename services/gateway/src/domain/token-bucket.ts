export interface TokenBucketOptions {
  /** Tokens added per second: the sustained request rate allowed to one client. */
  readonly ratePerSecond: number;
  /** Tokens a bucket holds: the requests one client may send at once after a quiet spell. */
  readonly burst: number;
  /** Buckets kept at most; past it the least recently used one is dropped. */
  readonly maxBuckets: number;
  /** A monotonic clock in milliseconds. */
  readonly now: () => number;
}

export interface Take {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Milliseconds until the next token; 0 when the request was allowed. */
  readonly retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, by the clock of the options. */
  at: number;
}

/**
 * One token bucket per client id, in bounded memory. A bucket that has refilled is the same as
 * no bucket, so buckets untouched for burst / rate seconds are dropped; the map is kept in
 * least-recently-used order (a touched bucket is moved to the end), which makes that sweep stop
 * at the first recent bucket. A flood of distinct ids is held to maxBuckets by dropping the least
 * recently used, which forgives that client's debt: memory stays bounded at the price of
 * exactness for clients idle longest.
 */
export class TokenBuckets {
  readonly #options: TokenBucketOptions;
  readonly #buckets = new Map<string, Bucket>();
  /** How long an untouched bucket takes to refill completely, in ms. */
  readonly #refillMs: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(options.burst >= 1)) throw new RangeError('burst must be >= 1');
    if (!(options.maxBuckets >= 1)) throw new RangeError('maxBuckets must be >= 1');
    this.#options = options;
    this.#refillMs = (options.burst * 1000) / options.ratePerSecond;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from the client's bucket if it has one. */
  take(id: string): Take {
    const { ratePerSecond, burst, maxBuckets } = this.#options;
    const now = this.#options.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(id);
    let tokens = burst;
    if (bucket) {
      tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * ratePerSecond) / 1000);
      this.#buckets.delete(id);
    } else if (this.#buckets.size >= maxBuckets) {
      const oldest = this.#buckets.keys().next().value as string;
      this.#buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.#buckets.set(id, { tokens, at: now });
    return {
      allowed,
      remaining: Math.floor(tokens),
      retryAfterMs: allowed ? 0 : ((1 - tokens) * 1000) / ratePerSecond,
      resetMs: ((burst - tokens) * 1000) / ratePerSecond,
    };
  }

  /** Drops the buckets that have refilled completely since they were last touched. */
  #sweep(now: number): void {
    for (const [id, bucket] of this.#buckets) {
      if (now - bucket.at < this.#refillMs) break;
      this.#buckets.delete(id);
    }
  }
}
