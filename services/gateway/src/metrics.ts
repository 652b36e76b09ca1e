import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@skinlesion/metrics';

/** The stages of one analysis, as labelled in skinlesion_stage_seconds. */
export type Stage = 'model_metadata' | 'tile' | 'classify' | 'ugly_duckling' | 'patch' | 'render';

/** Crops per ModelInfer call: 1 .. 4096, powers of two. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

export function createGatewayMetrics(registry: Registry) {
  return {
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    }),
    httpSeconds: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its response',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being handled now',
      registers: [registry],
    }),
    admissionInFlight: new Gauge({
      name: 'skinlesion_admission_in_flight_requests',
      help: 'Requests holding one of the gateway\'s serving slots, by admission group',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    admissionQueued: new Gauge({
      name: 'skinlesion_admission_queued_requests',
      help: 'Requests waiting for a serving slot, by admission group',
      labelNames: ['group'] as const,
      registers: [registry],
    }),
    admissionWaitSeconds: new Histogram({
      name: 'skinlesion_admission_wait_seconds',
      help: 'Time an admitted request waited for a serving slot, by admission group',
      labelNames: ['group'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    admissionRefused: new Counter({
      name: 'skinlesion_admission_refused_total',
      help: 'Requests refused with 503 because the gateway was at capacity, by admission group and reason',
      labelNames: ['group', 'reason'] as const,
      registers: [registry],
    }),
    apiKeyRequests: new Counter({
      name: 'skinlesion_api_key_requests_total',
      help: 'Requests accepted with an API key, by the key\'s client name (never the key)',
      labelNames: ['client'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'skinlesion_rate_limited_total',
      help: 'Requests refused with 429 by the per-client rate limit, by API key client name ("anonymous" for per-address limits)',
      labelNames: ['client'] as const,
      registers: [registry],
    }),
    rateLimitClients: new Gauge({
      name: 'skinlesion_rate_limit_clients',
      help: 'Clients whose token bucket the rate limit holds now (bounded by RATE_LIMIT_MAX_CLIENTS)',
      registers: [registry],
    }),
    problems: new Counter({
      name: 'skinlesion_problems_total',
      help: 'Requests answered with an error, by problem kind (the last segment of its type URI) and status code',
      labelNames: ['kind', 'status_code'] as const,
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'skinlesion_stage_seconds',
      help: 'Wall time of one pipeline stage of one request (all photos or chunks of it together)',
      labelNames: ['stage'] as const,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    classifierCalls: new Counter({
      name: 'skinlesion_classifier_calls_total',
      help: 'ModelInfer and ModelMetadata attempts per classifier replica, by gRPC outcome',
      labelNames: ['replica', 'code'] as const,
      registers: [registry],
    }),
    classifierCrops: new Counter({
      name: 'skinlesion_classifier_crops_total',
      help: 'Crops classified per classifier replica',
      labelNames: ['replica'] as const,
      registers: [registry],
    }),
    classifierBatchSize: new Histogram({
      name: 'skinlesion_classifier_batch_size',
      help: 'Crops per ModelInfer call the gateway sends',
      buckets: BATCH_BUCKETS,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** Times fn and records it under the stage; returns its result and the elapsed milliseconds. */
export async function timeStage<T>(metrics: GatewayMetrics, stage: Stage, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  metrics.stageSeconds.observe({ stage }, ms / 1000);
  return { value, ms };
}
