import { connectivityState, type Client } from '@grpc/grpc-js';
import { AppError, UnavailableError } from '@skinlesion/errors';

interface Replica<C> {
  readonly address: string;
  readonly client: C;
  inFlight: number;
}

/** Codes after which the same idempotent call may succeed on another replica. */
const RETRYABLE = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED']);

/**
 * Client-side balancing over explicitly listed replicas: least outstanding calls first (ties go
 * round robin), replicas whose channel is failing are tried last, and an idempotent call that
 * fails with UNAVAILABLE is retried once on each other replica.
 */
export class ReplicaPool<C extends Client> {
  private readonly replicas: Replica<C>[];
  private next = 0;

  constructor(addresses: readonly string[], makeClient: (address: string) => C) {
    if (addresses.length === 0) throw new RangeError('a replica pool needs at least one address');
    this.replicas = addresses.map((address) => ({ address, client: makeClient(address), inFlight: 0 }));
  }

  get addresses(): string[] {
    return this.replicas.map((replica) => replica.address);
  }

  get size(): number {
    return this.replicas.length;
  }

  /** Runs fn on the best replica; on a retryable failure, on the next best untried one. */
  async run<T>(fn: (client: C, address: string) => Promise<T>): Promise<T> {
    const tried = new Set<Replica<C>>();
    let lastError: unknown;
    while (tried.size < this.replicas.length) {
      const replica = this.pick(tried);
      tried.add(replica);
      replica.inFlight += 1;
      try {
        return await fn(replica.client, replica.address);
      } catch (error) {
        lastError = error;
        if (!(error instanceof AppError) || !RETRYABLE.has(error.code)) throw error;
      } finally {
        replica.inFlight -= 1;
      }
    }
    if (lastError instanceof AppError && lastError.code === 'RESOURCE_EXHAUSTED') throw lastError;
    throw new UnavailableError('no classifier replica could take the call', { replicas: this.replicas.length }, { cause: lastError });
  }

  close(): void {
    for (const replica of this.replicas) replica.client.close();
  }

  private pick(exclude: Set<Replica<C>>): Replica<C> {
    let best: Replica<C> | undefined;
    let bestScore = Infinity;
    const count = this.replicas.length;
    for (let offset = 0; offset < count; offset += 1) {
      const replica = this.replicas[(this.next + offset) % count];
      if (exclude.has(replica)) continue;
      const state = replica.client.getChannel().getConnectivityState(true);
      const failing = state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN;
      const score = replica.inFlight + (failing ? 1e6 : 0);
      if (score < bestScore) {
        best = replica;
        bestScore = score;
      }
    }
    this.next = (this.next + 1) % count;
    return best as Replica<C>;
  }
}
