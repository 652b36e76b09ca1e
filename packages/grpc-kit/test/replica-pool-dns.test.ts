import { createSocket } from 'node:dgram';
import { promises as dns } from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';

// grpc-js reads this switch once, when it is first imported: its dns resolver then sends A/AAAA
// queries to the target's authority (the test's DNS server below) instead of getaddrinfo, which
// can only read /etc/hosts here. Each test file runs in its own process, so nothing else sees it.
vi.hoisted(() => {
  process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true';
});

const { credentials } = await import('@grpc/grpc-js');
const { createLogger } = await import('@skinlesion/logger');
const { createRegistry } = await import('@skinlesion/metrics');
const { loadUglyDucklingProto } = await import('@skinlesion/proto');
const { callUnary, createGrpcMetrics, startGrpcServer, unary } = await import('../src/index.js');
const { parseDnsTarget, ReplicaPool, ROUND_ROBIN_OPTIONS } = await import('../src/replica-pool.js');
type RunningGrpcServer = Awaited<ReturnType<typeof startGrpcServer>>;
type UglyDucklingClient = import('@skinlesion/proto').UglyDucklingClient;

const proto = loadUglyDucklingProto();
const log = createLogger('test', 'silent');
const NAME = 'skinlesion.ugly_duckling.v1.UglyDuckling';
const HOST = 'replicas.test';

interface Replica {
  readonly ip: string;
  readonly server: RunningGrpcServer;
  calls: number;
}

/** One replica on ip:port; loopback answers on all of 127.0.0.0/8, so each replica gets its own IP. */
async function serveOn(ip: string, port: number): Promise<Replica> {
  const deps = { log, metrics: createGrpcMetrics(createRegistry('test')), grpcService: NAME };
  const replica = { ip, calls: 0 } as { ip: string; server: RunningGrpcServer; calls: number };
  replica.server = await startGrpcServer(
    [
      {
        name: NAME,
        definition: proto.UglyDuckling.service,
        implementation: { Score: unary('Score', async () => ((replica.calls += 1), { ranked: false, reason: ip, lesions: [] }), deps) },
      },
    ],
    { host: ip, port, maxMessageBytes: 1024 * 1024, log },
  );
  replica.server.setServing(true);
  return replica;
}

/** Replicas on 127.0.0.1..n sharing one port, as pods behind a headless Service share theirs. */
async function serveReplicas(count: number): Promise<{ port: number; replicas: Replica[] }> {
  for (let attempt = 0; ; attempt += 1) {
    const first = await serveOn('127.0.0.1', 0);
    try {
      const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => serveOn(`127.0.0.${i + 2}`, first.server.port)));
      return { port: first.server.port, replicas: [first, ...rest] };
    } catch (error) {
      // The port chosen for 127.0.0.1 may be taken on another loopback address: try another.
      await first.server.shutdown(0);
      if (attempt === 4) throw error;
    }
  }
}

/**
 * A DNS server for one name, answering A queries with whatever `addresses` holds at the time
 * (TTL 0, so no resolver caches it), AAAA with no records and other names with NXDOMAIN.
 */
async function startDnsServer(addresses: { current: string[] }): Promise<{ authority: string; close(): void }> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    // Header (12 bytes), then the question: length-prefixed labels, a zero byte, type, class.
    let end = 12;
    const labels: string[] = [];
    while (query[end] !== 0) {
      labels.push(query.toString('ascii', end + 1, end + 1 + query[end]));
      end += query[end] + 1;
    }
    const type = query.readUInt16BE(end + 1);
    const question = query.subarray(12, end + 5);
    const known = labels.join('.').toLowerCase() === HOST;
    const answers = known && type === 1 ? addresses.current : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // same id
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // response, recursion desired+available; NXDOMAIN for other names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((ip) => {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0); // name: pointer to the question's name at offset 12
      record.writeUInt16BE(1, 2); // type A
      record.writeUInt16BE(1, 4); // class IN
      record.writeUInt32BE(0, 6); // TTL 0 s
      record.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
      return record;
    });
    socket.send(Buffer.concat([header, question, ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { authority: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}

/** The lookup the channel makes in this process: A and AAAA queries to the target's authority. */
async function resolveAtAuthority(target: { authority: string; host: string }): Promise<string[]> {
  const resolver = new dns.Resolver();
  resolver.setServers([target.authority]);
  const answers = await Promise.allSettled([resolver.resolve4(target.host), resolver.resolve6(target.host)]);
  return answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(replicaCount: number, listed: number) {
  const { port, replicas } = await serveReplicas(replicaCount);
  cleanups.push(() => Promise.all(replicas.map((replica) => replica.server.shutdown(100))));
  const addresses = { current: replicas.slice(0, listed).map((replica) => replica.ip) };
  const server = await startDnsServer(addresses);
  cleanups.push(() => server.close());
  const made: { address: string; options: object }[] = [];
  const pool = new ReplicaPool(
    [`dns://${server.authority}/${HOST}:${port}`],
    (address, options) => {
      made.push({ address, options });
      return new proto.UglyDuckling(address, credentials.createInsecure(), options) as UglyDucklingClient;
    },
    { resolve: resolveAtAuthority, refreshMs: 60_000 },
  );
  cleanups.push(() => pool.close());
  await pool.refreshNow();
  const call = () => pool.run((client) => callUnary(client, 'Score', { lesions: [] }));
  /**
   * Calls one after another until `done` holds, at most `limit` calls: round_robin only picks
   * among connections already up, so a fresh channel's first calls all go to the first one.
   */
  const callUntil = async (done: () => boolean, limit = 100) => {
    for (let i = 0; i < limit && !done(); i += 1) await call();
    return done();
  };
  return { replicas, addresses, pool, made, call, callUntil };
}

describe('ReplicaPool with a dns: target', () => {
  it('parses dns: targets and leaves host:port alone', () => {
    expect(parseDnsTarget('dns:///classifier:50052')).toEqual({ authority: '', host: 'classifier' });
    expect(parseDnsTarget('dns:classifier:50052')).toEqual({ authority: '', host: 'classifier' });
    expect(parseDnsTarget('dns://10.0.0.10:53/classifier.ns.svc.cluster.local:50052')).toEqual({ authority: '10.0.0.10:53', host: 'classifier.ns.svc.cluster.local' });
    expect(parseDnsTarget('dns:///[::1]:50052')).toEqual({ authority: '', host: '::1' });
    expect(parseDnsTarget('classifier:50052')).toBeUndefined();
    expect(parseDnsTarget('unix:/run/classifier.sock')).toBeUndefined();
  });

  it('gives round_robin only to dns: targets and counts the replicas behind a name', async () => {
    const { pool, made } = await setUp(3, 3);
    expect(made).toHaveLength(1);
    expect(made[0].options).toEqual(ROUND_ROBIN_OPTIONS);
    expect(pool.size).toBe(3);
    const listed: object[] = [];
    const plain = new ReplicaPool(['127.0.0.1:1', '127.0.0.1:2'], (address, options) => {
      listed.push(options);
      return new proto.UglyDuckling(address, credentials.createInsecure(), options) as UglyDucklingClient;
    });
    expect(listed).toEqual([{}, {}]);
    expect(plain.size).toBe(2);
    plain.close();
  });

  it('spreads calls over every replica the name resolves to', async () => {
    const { replicas, callUntil } = await setUp(3, 3);
    expect(await callUntil(() => replicas.every((replica) => replica.calls > 0))).toBe(true);
    // Once every connection is up, turns go in order: the next 30 calls split evenly.
    const before = replicas.map((replica) => replica.calls);
    expect(await callUntil(() => false, 30)).toBe(false);
    expect(replicas.map((replica, i) => replica.calls - before[i])).toEqual([10, 10, 10]);
  });

  it('finds a replica that joins and stops using one that leaves', async () => {
    const { replicas, addresses, pool, made, call, callUntil } = await setUp(3, 2);
    expect(await callUntil(() => replicas[0].calls > 0 && replicas[1].calls > 0)).toBe(true);
    expect(replicas[2].calls).toBe(0);

    // Scale up: the name now lists the third replica; the pool swaps in a fresh channel.
    addresses.current = replicas.map((replica) => replica.ip);
    await pool.refreshNow();
    expect(pool.size).toBe(3);
    expect(made).toHaveLength(2);
    expect(await callUntil(() => replicas[2].calls > 0)).toBe(true);

    // Scale down: the first replica stops and leaves the name; every call still succeeds.
    await replicas[0].server.shutdown(100);
    addresses.current = replicas.slice(1).map((replica) => replica.ip);
    const before = replicas[0].calls;
    const results = await Promise.all(Array.from({ length: 30 }, call));
    expect(results).toHaveLength(30);
    await pool.refreshNow();
    expect(pool.size).toBe(2);
    expect(replicas[0].calls).toBe(before);
  });

  it('retries a call on another replica behind the name when one is gone', async () => {
    const { replicas, call } = await setUp(2, 2);
    await call();
    // Gone without leaving the name, as in the seconds before DNS catches up.
    await replicas[0].server.shutdown(0);
    const results = await Promise.all(Array.from({ length: 10 }, call));
    expect(results.every((result) => typeof result.reason === 'string')).toBe(true);
  });
});
