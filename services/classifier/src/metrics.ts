import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@skinlesion/metrics';

/** Batch sizes up to 1024 crops (CLASSIFIER_MAX_BATCH's ceiling), powers of two. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The classifier's own metrics, beside grpc-kit's per-RPC ones. */
export function createClassifierMetrics(registry: Registry) {
  return {
    batchSize: new Histogram({
      name: 'classifier_inference_batch_size',
      help: 'Crops per model call',
      buckets: BATCH_SIZE_BUCKETS,
      registers: [registry],
    }),
    inferenceSeconds: new Histogram({
      name: 'classifier_inference_seconds',
      help: 'Time of one model call on a batch, preprocessing included',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    items: new Counter({
      name: 'classifier_items_total',
      help: 'Crops classified',
      registers: [registry],
    }),
    modelLoadSeconds: new Gauge({
      name: 'classifier_model_load_seconds',
      help: 'Time taken to load the served model from disk at start-up',
      registers: [registry],
    }),
  };
}
export type ClassifierMetrics = ReturnType<typeof createClassifierMetrics>;
