import { promises as dns } from 'node:dns';
import { connectivityState, type ChannelOptions, type Client } from '@grpc/grpc-js';
import { AppError, UnavailableError } from '@skinlesion/errors';

/**
 * Channel options for a dns: target: grpc-js's round_robin policy keeps a connection to every
 * address the name resolves to and sends each call to the next one, where the default
 * pick_first would send everything to the first address.
 */
export const ROUND_ROBIN_OPTIONS: Readonly<ChannelOptions> = Object.freeze({
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  // The service config is the one above; looking for one in TXT records is a wasted query per
  // resolution (and an NXDOMAIN in every Kubernetes cluster).
  'grpc.service_config_disable_resolution': 1,
});

/** 10 s: a Kubernetes headless Service's records live 5-30 s; compose's DNS answers at once. */
const DEFAULT_REFRESH_MS = 10_000;
/** Lookups triggered by failures come at most this often, in ms. */
const MIN_LOOKUP_GAP_MS = 1_000;

/** A `dns:[//authority/]host[:port]` gRPC target, split. */
export interface DnsTarget {
  readonly authority: string;
  readonly host: string;
}

export interface ReplicaPoolOptions {
  /** How often a dns: target is looked up again to notice replicas joining or leaving, in ms. */
  readonly refreshMs?: number;
  /**
   * The addresses a dns: target resolves to; by default the getaddrinfo lookup grpc-js makes.
   * Give the same lookup the channel makes (e.g. with GRPC_NODE_USE_ALTERNATIVE_RESOLVER), so
   * that the replica count and the channel's addresses agree.
   */
  readonly resolve?: (target: DnsTarget) => Promise<string[]>;
}

/**
 * One configured address: host:port (one replica) or a dns: name standing for every replica
 * it resolves to, behind one round_robin channel.
 */
interface Member<C> {
  readonly address: string;
  readonly dns?: DnsTarget;
  client: C;
  inFlight: number;
  /** Replicas behind this member: 1 for host:port, the resolved addresses for a dns: name. */
  replicas: number;
  /** The sorted resolved addresses, to notice a change. */
  resolved?: string;
  lastLookup: number;
  lookup?: Promise<void>;
}

/** Codes after which the same idempotent call may succeed on another replica. */
const RETRYABLE = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED']);

/**
 * Client-side balancing over replicas. Each configured address is a member: host:port members
 * are balanced by least outstanding calls (ties go round robin), members whose channel is
 * failing are tried last, and an idempotent call that fails with UNAVAILABLE is retried on
 * another replica. A `dns:///name:port` member stands for every address the name resolves to
 * (compose `--scale`, a Kubernetes headless Service): its channel uses round_robin, it counts as
 * that many replicas (for retries and `size`), and it is looked up again every refreshMs (and
 * after a failure) so that a changed set of replicas gets a fresh channel, because grpc-js only
 * resolves again when a connection is lost and would never notice a replica joining.
 */
export class ReplicaPool<C extends Client> {
  private readonly members: Member<C>[];
  private readonly makeClient: (address: string, channelOptions: ChannelOptions) => C;
  private readonly resolve: (target: DnsTarget) => Promise<string[]>;
  private readonly timer?: NodeJS.Timeout;
  private next = 0;
  private closed = false;

  /**
   * makeClient gets the extra channel options a member needs (round_robin for dns: names);
   * merge them into the client's own.
   */
  constructor(addresses: readonly string[], makeClient: (address: string, channelOptions: ChannelOptions) => C, options: ReplicaPoolOptions = {}) {
    if (addresses.length === 0) throw new RangeError('a replica pool needs at least one address');
    this.makeClient = makeClient;
    this.resolve = options.resolve ?? lookupLikeGrpc;
    this.members = addresses.map((address) => {
      const target = parseDnsTarget(address);
      return { address, dns: target, client: makeClient(address, target ? ROUND_ROBIN_OPTIONS : {}), inFlight: 0, replicas: 1, lastLookup: 0 };
    });
    if (this.members.some((member) => member.dns)) {
      // refresh() never rejects: a failed lookup keeps what was known.
      for (const member of this.members) void this.refresh(member);
      this.timer = setInterval(() => {
        for (const member of this.members) void this.refresh(member);
      }, options.refreshMs ?? DEFAULT_REFRESH_MS);
      // Balancing must not keep a process alive that has nothing else to do.
      this.timer.unref();
    }
  }

  /** The addresses as configured (a dns: name once, however many replicas it stands for). */
  get addresses(): string[] {
    return this.members.map((member) => member.address);
  }

  /** Replicas known now: one per host:port, the resolved count per dns: name. */
  get size(): number {
    return this.members.reduce((sum, member) => sum + member.replicas, 0);
  }

  /** Runs fn on the best replica; on a retryable failure, on the next best untried one. */
  async run<T>(fn: (client: C, address: string) => Promise<T>): Promise<T> {
    const attempts = new Map<Member<C>, number>();
    let lastError: unknown;
    for (;;) {
      const member = this.pick(attempts);
      if (!member) break;
      attempts.set(member, (attempts.get(member) ?? 0) + 1);
      member.inFlight += 1;
      try {
        return await fn(member.client, member.address);
      } catch (error) {
        lastError = error;
        if (!(error instanceof AppError) || !RETRYABLE.has(error.code)) throw error;
        // A replica that went away may have left the name too: look again soon.
        if (error.code === 'UNAVAILABLE') void this.refresh(member, MIN_LOOKUP_GAP_MS);
      } finally {
        member.inFlight -= 1;
      }
    }
    if (lastError instanceof AppError && lastError.code === 'RESOURCE_EXHAUSTED') throw lastError;
    throw new UnavailableError('no classifier replica could take the call', { replicas: this.size }, { cause: lastError });
  }

  /** Looks every dns: member up now; resolves when the new channels (if any) are in place. */
  async refreshNow(): Promise<void> {
    await Promise.all(this.members.map((member) => this.refresh(member, 0)));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const member of this.members) member.client.close();
  }

  /**
   * Looks a dns: member up again unless it was looked up less than minGapMs ago; a different
   * set of addresses replaces its channel. In-flight calls finish on the old channel: grpc-js
   * closes a channel to new calls only.
   */
  private refresh(member: Member<C>, minGapMs = 0): Promise<void> {
    const target = member.dns;
    if (!target || this.closed) return Promise.resolve();
    if (member.lookup) return member.lookup;
    if (Date.now() - member.lastLookup < minGapMs) return Promise.resolve();
    member.lastLookup = Date.now();
    member.lookup = this.resolve(target)
      .then((found) => {
        if (this.closed || found.length === 0) return;
        const resolved = [...new Set(found)].sort().join(',');
        if (member.resolved !== undefined && member.resolved !== resolved) {
          const old = member.client;
          member.client = this.makeClient(member.address, ROUND_ROBIN_OPTIONS);
          old.close();
        }
        member.resolved = resolved;
        member.replicas = resolved.split(',').length;
      })
      // A failed lookup keeps what was known: the channel resolves on its own and reports
      // UNAVAILABLE if the name is really gone.
      .catch(() => undefined)
      .finally(() => {
        member.lookup = undefined;
      });
    return member.lookup;
  }

  private pick(attempts: Map<Member<C>, number>): Member<C> | undefined {
    let best: Member<C> | undefined;
    let bestScore = Infinity;
    const count = this.members.length;
    for (let offset = 0; offset < count; offset += 1) {
      const member = this.members[(this.next + offset) % count];
      if ((attempts.get(member) ?? 0) >= member.replicas) continue;
      const state = member.client.getChannel().getConnectivityState(true);
      const failing = state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN;
      // Outstanding calls per replica, so that a name standing for three replicas takes three
      // times the calls of one host:port.
      const score = member.inFlight / member.replicas + (failing ? 1e6 : 0);
      if (score < bestScore) {
        best = member;
        bestScore = score;
      }
    }
    this.next = (this.next + 1) % count;
    return best;
  }
}

/** `dns:host:port`, `dns:///host:port` or `dns://authority/host:port`; undefined for other targets. */
export function parseDnsTarget(address: string): DnsTarget | undefined {
  // dns: followed by an optional //authority/ and then host[:port] (host may be an [IPv6] literal).
  const match = /^dns:(?:\/\/([^/]*)\/)?(\[[^\]]+\]|[^:/]+)(?::\d+)?$/.exec(address);
  if (!match) return undefined;
  return { authority: match[1] ?? '', host: match[2].replace(/^\[|\]$/g, '') };
}

/** What grpc-js's default dns resolver does: getaddrinfo for both address families. */
async function lookupLikeGrpc(target: DnsTarget): Promise<string[]> {
  const found = await dns.lookup(target.host, { all: true });
  return found.map((entry) => entry.address);
}
