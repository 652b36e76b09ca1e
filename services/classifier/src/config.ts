import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, int, loadConfig, logLevel, num, oneOf, port, str, type ConfigOf, type Env } from '@skinlesion/config';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@skinlesion/grpc-kit';
import { BACKEND_CHOICES } from './runtime/backend-choices.js';
import { RUNTIME_CHOICES } from './runtime/runner.js';

/** The model shipped with the service, beside src/ and dist/. */
function defaultModelDir(): string {
  return fileURLToPath(new URL('../models/default', import.meta.url));
}

function configSpec() {
  return {
    host: str('CLASSIFIER_HOST', { doc: 'interface the gRPC and metrics servers listen on', fallback: '0.0.0.0' }),
    port: port('CLASSIFIER_PORT', { doc: 'gRPC port (Open Inference Protocol + grpc.health.v1); 0 picks a free one', fallback: 50052 }),
    metricsPort: port('CLASSIFIER_METRICS_PORT', { doc: 'HTTP port of GET /metrics; 0 picks a free one', fallback: 9464 }),
    modelDir: {
      ...str('MODEL_DIR', { doc: 'folder with manifest.json and the TF.js model it names', fallback: defaultModelDir() }),
      parse: (raw: string) => path.resolve(raw),
    },
    runtime: oneOf('CLASSIFIER_RUNTIME', RUNTIME_CHOICES, {
      doc: "inference runtime: auto (ONNX Runtime when the manifest names a current ONNX export and the library loads, else TF.js), onnx or tfjs",
      fallback: 'auto',
    }),
    backend: oneOf('CLASSIFIER_BACKEND', BACKEND_CHOICES, {
      doc: 'TF.js backend, when TF.js runs the model: auto (tfjs-node if installed, else wasm), wasm, tfjs-node or cpu',
      fallback: 'auto',
    }),
    maxBatch: int('CLASSIFIER_MAX_BATCH', { doc: 'largest batch of crops given to the model at once (1 turns batching off)', min: 1, max: 1024, fallback: 32 }),
    maxQueueDelayMs: num('CLASSIFIER_MAX_QUEUE_DELAY_MS', {
      doc: 'longest a waiting crop holds a batch open for crops of other requests, in ms (0: run as soon as the model is free)',
      min: 0,
      max: 1000,
      fallback: 1,
    }),
    maxQueue: int('CLASSIFIER_MAX_QUEUE', {
      doc: 'crops that may wait for the model at once; beyond, calls fail with RESOURCE_EXHAUSTED (at least CLASSIFIER_MAX_ITEMS)',
      min: 1,
      max: 1_048_576,
      fallback: 1024,
    }),
    maxItems: int('CLASSIFIER_MAX_ITEMS', { doc: 'largest number of crops in one ModelInfer call', min: 1, max: 65_536, fallback: 1024 }),
    maxMessageBytes: int('GRPC_MAX_MESSAGE_BYTES', {
      doc: 'largest gRPC message received or sent, in bytes',
      min: 4096,
      max: 2_147_483_647, // 2 GiB - 1: grpc-js keeps lengths in int32
      fallback: DEFAULT_MAX_MESSAGE_BYTES,
    }),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', { doc: 'how long in-flight calls may finish after SIGTERM, in ms', min: 0, max: 600_000, fallback: 10_000 }),
    logLevel: logLevel(),
  };
}

export type ClassifierConfig = ConfigOf<ReturnType<typeof configSpec>>;

/** Reads and validates the classifier's environment, listing every bad variable at once. */
export function loadClassifierConfig(env: Env = process.env): ClassifierConfig {
  const config = loadConfig(configSpec(), env);
  // A call the queue could never hold would be refused forever: every allowed call must fit.
  if (config.maxItems > config.maxQueue) {
    throw new ConfigError([
      `CLASSIFIER_MAX_QUEUE=${config.maxQueue} is smaller than CLASSIFIER_MAX_ITEMS=${config.maxItems}: a call of ${config.maxItems} crops could never be queued`,
    ]);
  }
  return config;
}
