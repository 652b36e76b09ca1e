import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@skinlesion/metrics';
import type { BatcherObserver } from './batching/dynamic-batcher.js';

/** Batch sizes up to 1024 crops (CLASSIFIER_MAX_BATCH's ceiling), powers of two. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/** Queue waits: 0.1 ms (the batcher's own overhead) .. 10 s (a queue far behind). */
const QUEUE_WAIT_BUCKETS_SECONDS = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The classifier's own metrics, beside grpc-kit's per-RPC ones. */
export function createClassifierMetrics(registry: Registry) {
  return {
    queueDepth: new Gauge({
      name: 'classifier_queue_depth',
      help: 'Crops waiting for a batch',
      registers: [registry],
    }),
    queueWaitSeconds: new Histogram({
      name: 'classifier_queue_wait_seconds',
      help: 'Time from a request reaching the batcher to the start of the batch that runs its crops, one observation per crop',
      buckets: QUEUE_WAIT_BUCKETS_SECONDS,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'classifier_batch_size',
      help: 'Crops per model call',
      buckets: BATCH_SIZE_BUCKETS,
      registers: [registry],
    }),
    inferenceSeconds: new Histogram({
      name: 'classifier_inference_seconds',
      help: 'Model time of one batch, preprocessing included: with the next batch prepared while one runs, from the later of its hand-over and the end of the batch before it',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    items: new Counter({
      name: 'classifier_items_total',
      help: 'Crops classified',
      registers: [registry],
    }),
    requests: new Counter({
      name: 'classifier_requests_total',
      help: 'Classification requests finished, by outcome: ok, rejected (queue full), cancelled or failed',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'classifier_requests_in_flight',
      help: 'Classification requests queued or running',
      registers: [registry],
    }),
    modelLoadSeconds: new Gauge({
      name: 'classifier_model_load_seconds',
      help: 'Time taken to load the served model and its runtime at start-up',
      registers: [registry],
    }),
    runtimeInfo: new Gauge({
      name: 'classifier_runtime_info',
      help: 'The runtime serving the model (value 1): runtime, backend and Open Inference Protocol platform',
      labelNames: ['runtime', 'backend', 'platform'] as const,
      registers: [registry],
    }),
  };
}
export type ClassifierMetrics = ReturnType<typeof createClassifierMetrics>;

/** Feeds the batcher's reports into the metrics. */
export function batcherObserver(metrics: ClassifierMetrics): BatcherObserver {
  return {
    queueDepth: (items) => metrics.queueDepth.set(items),
    queueWait: (seconds, items) => {
      for (let item = 0; item < items; item += 1) metrics.queueWaitSeconds.observe(seconds);
    },
    batch: (size, seconds) => {
      metrics.batchSize.observe(size);
      metrics.inferenceSeconds.observe(seconds);
      metrics.items.inc(size);
    },
    request: (outcome) => metrics.requests.inc({ outcome }),
    inFlight: (requests) => metrics.inFlight.set(requests),
  };
}
