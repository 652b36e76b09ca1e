import { address, addressList, bool, ConfigError, int, loadConfig, logLevel, num, port, str, type ConfigOf, type Env, type Field } from '@skinlesion/config';
import { clientTlsProblems, clientTlsSpec, DEFAULT_MAX_MESSAGE_BYTES } from '@skinlesion/grpc-kit';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { duplicateProblems, parseKeyFile, parseKeyList, type ApiKey } from './domain/api-keys.js';
import { parseCorsOrigins, type CorsOrigins } from './domain/cors.js';

const MIB = 1024 * 1024;

/** Room in a gRPC message for everything beside the photo bytes (fields, framing). */
export const MESSAGE_HEADROOM_BYTES = 1 * MIB;

/** CORS_ORIGINS: see parseCorsOrigins. */
function corsOrigins(env: string, doc: string): Field<CorsOrigins> {
  return { env, doc, fallback: [], parse: parseCorsOrigins };
}

/** Which peers' X-Forwarded-For to believe (fastify's trustProxy): none, or these addresses. */
export type TrustProxy = false | string[];

// proxy-addr's (fastify's) names for the private ranges, besides addresses and CIDR ranges.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: the addresses or CIDR ranges of the proxies in front. Not a hop count: fastify
 * refuses to trust by count alone, since a client talking to the gateway directly could then
 * name any address it likes.
 */
function trustProxy(env: string, doc: string): Field<TrustProxy> {
  return {
    env,
    doc,
    fallback: false,
    parse: (raw) => {
      const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
      for (const entry of entries) {
        if (NAMED_RANGES.has(entry)) continue;
        const [addressPart, bits, extra] = entry.split('/');
        const family = isIP(addressPart);
        const maxBits = family === 4 ? 32 : 128;
        const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
        if (family === 0 || extra !== undefined || !validBits) {
          throw new Error(`"${entry}" is not an IP address, a CIDR range or one of ${[...NAMED_RANGES].join(', ')}`);
        }
      }
      return entries;
    },
  };
}

export const gatewayConfigSpec = {
  tilerAddr: address('TILER_ADDR', { doc: 'tiler gRPC target, host:port' }),
  classifierAddrs: addressList('CLASSIFIER_ADDRS', { doc: 'classifier replicas, comma-separated host:port list' }),
  uglyDucklingAddr: address('UGLY_DUCKLING_ADDR', { doc: 'ugly-duckling gRPC target, host:port' }),
  classifierModel: str('CLASSIFIER_MODEL', {
    doc: 'model name sent in ModelMetadata and ModelInfer; empty = the classifier\'s default model',
    fallback: '',
  }),
  port: port('PORT', { doc: 'HTTP port; 0 picks a free one', fallback: 8080 }),
  host: str('GATEWAY_HOST', { doc: 'HTTP listen address', fallback: '0.0.0.0' }),
  requestTimeoutMs: int('REQUEST_TIMEOUT_MS', { doc: 'deadline of one request in ms, propagated to every gRPC call', fallback: 60_000, min: 100, max: 3_600_000 }),
  maxRequestTimeoutMs: int('MAX_REQUEST_TIMEOUT_MS', {
    doc: 'longest deadline a client may ask for with the x-request-timeout-ms header, in ms; longer ones are shortened to it',
    fallback: 300_000,
    min: 100,
    max: 3_600_000,
  }),
  maxInFlightRequests: int('MAX_IN_FLIGHT_REQUESTS', {
    doc: 'requests served at once in each admission group (analyses and pictures; classify and inference); set it near the concurrency at which throughput stops growing',
    fallback: 16,
    min: 1,
    max: 10_000,
  }),
  maxQueuedRequests: int('MAX_QUEUED_REQUESTS', { doc: 'requests waiting for a slot in each admission group; past it, 503 with Retry-After', fallback: 64, min: 0, max: 100_000 }),
  maxQueueWaitMs: int('MAX_QUEUE_WAIT_MS', {
    doc: 'longest wait for a slot, in ms; a request expected to wait longer is refused on arrival with 503 and Retry-After',
    fallback: 5_000,
    min: 0,
    max: 3_600_000,
  }),
  maxStandingQueueWaitMs: int('MAX_STANDING_QUEUE_WAIT_MS', {
    doc: 'longest wait for a slot, in ms, once the queue has not been empty for MAX_QUEUE_WAIT_MS (sustained overload, not a burst): a standing queue only adds waiting, so past this the excess is refused instead; capped by MAX_QUEUE_WAIT_MS, which turns it off',
    fallback: 5,
    min: 0,
    max: 3_600_000,
  }),
  grpcMaxMessageBytes: int('GRPC_MAX_MESSAGE_BYTES', { doc: 'gRPC send/receive message limit in bytes', fallback: DEFAULT_MAX_MESSAGE_BYTES, min: 4 * MIB, max: 2047 * MIB }),
  maxUploadBytes: int('MAX_UPLOAD_BYTES', { doc: 'bytes per uploaded photo', fallback: 25 * MIB, min: 1024, max: 1024 * MIB }),
  maxInferenceBodyBytes: int('MAX_INFERENCE_BODY_BYTES', {
    doc: 'largest body of an inference request (/v2 infer, :predict), JSON or JSON plus binary tensors, in bytes',
    fallback: 32 * MIB,
    min: 1024,
    max: 1024 * MIB,
  }),
  maxPhotos: int('MAX_PHOTOS', { doc: 'photos per request', fallback: 10, min: 1, max: 100 }),
  maxCandidates: int('MAX_CANDIDATES', { doc: 'candidate lesions analysed per photo; more are cut with truncated: true', fallback: 1000, min: 1, max: 100_000 }),
  classifyChunk: int('CLASSIFY_CHUNK', { doc: 'most crops per ModelInfer call (the crops of a photo go out in near-equal chunks, at least 2 calls per replica, none under 4 crops, so that every replica works on it)', fallback: 64, min: 1, max: 4096 }),
  readinessTimeoutMs: int('READINESS_TIMEOUT_MS', { doc: 'timeout of each grpc.health.v1 check behind /readyz, in ms', fallback: 1000, min: 50, max: 60_000 }),
  // Security (docs/security.md). API keys are secrets: loadGatewayConfig parses them itself so
  // that no message, here or in a log, ever repeats one.
  apiKeyList: str('API_KEYS', {
    doc: 'API keys clients must send (Authorization: Bearer <key> or x-api-key: <key>), comma-separated, each "key" or "name:key" (the name labels logs and metrics); added to those of API_KEYS_FILE; no keys at all = no authentication',
    fallback: '',
  }),
  apiKeysFile: str('API_KEYS_FILE', {
    doc: 'file of API keys (e.g. a mounted Secret): one "key" or "name:key" a line, # starts a comment; read at start-up, which fails when the file is missing or holds no key',
    fallback: '',
  }),
  healthRequiresKey: bool('HEALTH_REQUIRES_KEY', { doc: '/healthz and /readyz need an API key too; off so that probes need no secret', fallback: false }),
  metricsRequiresKey: bool('METRICS_REQUIRES_KEY', {
    doc: '/metrics needs an API key too; off because Prometheus scrapes it from inside the cluster: keep it out of reach from outside instead (route only the API and the page through the Ingress)',
    fallback: false,
  }),
  docsRequiresKey: bool('DOCS_REQUIRES_KEY', {
    doc: 'the web page (/), /docs and /openapi.json need an API key too; a browser sends none when it opens a page, so this closes the page and Swagger UI to browsers',
    fallback: false,
  }),
  rateLimitPerSecond: num('RATE_LIMIT_PER_SECOND', {
    doc: 'requests per second, sustained, that each API key (each client address when there are no keys) may make; 0 = no rate limit; health and metrics are never limited',
    fallback: 0,
    min: 0,
    max: 1_000_000,
  }),
  rateLimitBurst: int('RATE_LIMIT_BURST', { doc: 'requests a client may make at once beyond the sustained rate (the token bucket size)', fallback: 20, min: 1, max: 1_000_000 }),
  rateLimitMaxClients: int('RATE_LIMIT_MAX_CLIENTS', {
    doc: 'clients whose rate is tracked at once; past it the one idle longest is forgotten, which bounds memory under a flood of addresses',
    fallback: 10_000,
    min: 1,
    max: 10_000_000,
  }),
  trustProxy: trustProxy(
    'TRUST_PROXY',
    'proxies whose X-Forwarded-For names the client (for logs and per-address rate limits): comma-separated addresses, CIDR ranges, or loopback / linklocal / uniquelocal (the private ranges); empty = the peer is the client',
  ),
  securityHeaders: bool('SECURITY_HEADERS', {
    doc: 'send X-Content-Type-Options, Referrer-Policy, X-Frame-Options, Content-Security-Policy and Cross-Origin-Resource/Opener-Policy on every response',
    fallback: true,
  }),
  hstsMaxAgeSeconds: int('HSTS_MAX_AGE_SECONDS', {
    doc: 'Strict-Transport-Security max-age in seconds; 0 = no header; set it only when clients reach the gateway over HTTPS only (TLS ends in front of it)',
    fallback: 0,
    min: 0,
    max: 63_072_000,
  }),
  corsOrigins: corsOrigins(
    'CORS_ORIGINS',
    'origins whose web pages may call the API from a browser: comma-separated scheme://host[:port], or * for any; empty = no CORS headers (the gateway\'s own page needs none)',
  ),
  corsMaxAgeSeconds: int('CORS_MAX_AGE_SECONDS', { doc: 'how long a browser may reuse a preflight answer, in seconds', fallback: 600, min: 0, max: 86_400 }),
  logLevel: logLevel(),
  shutdownGraceMs: int('SHUTDOWN_GRACE_MS', { doc: 'how long in-flight requests may finish after SIGTERM, in ms', fallback: 20_000, min: 0, max: 600_000 }),
  // GRPC_TLS, GRPC_TLS_CA_FILE, GRPC_TLS_CLIENT_CERT_FILE, GRPC_TLS_CLIENT_KEY_FILE, GRPC_TLS_SERVER_NAME
  ...clientTlsSpec,
};

/** The settings; API_KEYS arrives parsed, together with the keys of API_KEYS_FILE, as apiKeys. */
export type GatewayConfig = Omit<ConfigOf<typeof gatewayConfigSpec>, 'apiKeyList'> & {
  /** Every accepted key, from API_KEYS and API_KEYS_FILE; empty = no authentication. */
  readonly apiKeys: readonly ApiKey[];
};

/**
 * The keys of API_KEYS and of the file API_KEYS_FILE names. Problems name the variable and the
 * entry or line, never a key.
 */
function loadApiKeys(list: string, file: string): { keys: ApiKey[]; problems: string[] } {
  const fromList = parseKeyList(list, 'API_KEYS');
  const keys = [...fromList.keys];
  const problems = [...fromList.problems];
  if (file !== '') {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`API_KEYS_FILE=${JSON.stringify(file)} cannot be read (${reason}): mount the key file there or unset API_KEYS_FILE`);
    }
    if (text !== undefined) {
      const fromFile = parseKeyFile(text, 'API_KEYS_FILE');
      keys.push(...fromFile.keys);
      problems.push(...fromFile.problems);
      if (fromFile.keys.length === 0 && fromFile.problems.length === 0) {
        problems.push(`API_KEYS_FILE=${JSON.stringify(file)} holds no key: write one "key" or "name:key" a line`);
      }
    }
  }
  problems.push(...duplicateProblems(keys));
  return { keys, problems };
}

/**
 * Reads and validates the gateway's settings once, at start-up; throws a ConfigError listing
 * every problem. The only place in the gateway that reads process.env; tests pass their own env.
 */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfigSpec, env);
  const problems = clientTlsProblems(config);
  if (config.maxUploadBytes + MESSAGE_HEADROOM_BYTES > config.grpcMaxMessageBytes) {
    problems.push(
      `MAX_UPLOAD_BYTES=${config.maxUploadBytes} does not fit in one gRPC message: GRPC_MAX_MESSAGE_BYTES=${config.grpcMaxMessageBytes} must exceed it by ${MESSAGE_HEADROOM_BYTES} bytes`,
    );
  }
  // A binary infer body travels to the classifier as one gRPC message of about its own size.
  if (config.maxInferenceBodyBytes + MESSAGE_HEADROOM_BYTES > config.grpcMaxMessageBytes) {
    problems.push(
      `MAX_INFERENCE_BODY_BYTES=${config.maxInferenceBodyBytes} does not fit in one gRPC message: GRPC_MAX_MESSAGE_BYTES=${config.grpcMaxMessageBytes} must exceed it by ${MESSAGE_HEADROOM_BYTES} bytes`,
    );
  }
  const { apiKeyList, ...settings } = config;
  const apiKeys = loadApiKeys(apiKeyList, config.apiKeysFile);
  problems.push(...apiKeys.problems);
  // Asking for a key with none configured would leave open what the operator meant to close.
  for (const [env, required] of [
    ['HEALTH_REQUIRES_KEY', config.healthRequiresKey],
    ['METRICS_REQUIRES_KEY', config.metricsRequiresKey],
    ['DOCS_REQUIRES_KEY', config.docsRequiresKey],
  ] as const) {
    if (required && apiKeys.keys.length === 0) problems.push(`${env}=true needs API keys: set API_KEYS or API_KEYS_FILE`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...settings, apiKeys: Object.freeze(apiKeys.keys) });
}
