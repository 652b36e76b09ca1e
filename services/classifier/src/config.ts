import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, int, loadConfig, logLevel, num, oneOf, port, str, type ConfigOf, type Env } from '@skinlesion/config';
import { DEFAULT_MAX_MESSAGE_BYTES, serverTlsProblems, serverTlsSpec } from '@skinlesion/grpc-kit';
import { BACKEND_CHOICES } from './runtime/backend-choices.js';
import { INFERENCE_THREADS, RUNTIME_CHOICES } from './runtime/runner.js';

/** The model shipped with the service, beside src/ and dist/. */
function defaultModelDir(): string {
  return fileURLToPath(new URL('../models/default', import.meta.url));
}

/** The classifier's variables; a function because the default model folder is found at run time. */
export function classifierConfigSpec() {
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
    inferenceThread: oneOf('CLASSIFIER_INFERENCE_THREAD', INFERENCE_THREADS, {
      doc: 'where ONNX Runtime runs batches: worker (a thread of its own, so that gRPC, health checks and metrics are served while a batch runs) or caller (the event loop, which then stalls for each batch); TF.js always runs on the event loop',
      fallback: 'worker',
    }),
    // Defaults below measured with ModelInfer at concurrency 16 on 2 cores (ONNX Runtime, worker).
    pipelineDepth: int('CLASSIFIER_PIPELINE_DEPTH', {
      doc: 'batches handed to the inference thread at once: 2 (default) prepares the next batch while one runs, so the model does not idle while the event loop answers the last batch and prepares the next, which cost about 20 % of crops/s with 1',
      min: 1,
      max: 2,
      fallback: 2,
    }),
    maxBatch: int('CLASSIFIER_MAX_BATCH', {
      doc: "largest batch of crops given to the model at once (1 turns batching off); 8 by default: the default model's time per crop is flat from 1 to 8 crops on ONNX Runtime and no better beyond, and TF.js wasm is fastest at 8, while smaller batches keep the pipeline full",
      min: 1,
      max: 1024,
      fallback: 8,
    }),
    maxQueueDelayMs: num('CLASSIFIER_MAX_QUEUE_DELAY_MS', {
      doc: 'longest a waiting crop holds a batch open for crops of other requests, in ms; 0 by default (a batch is what queued while the model was busy): with the pipeline, waiting added no crops/s under load and adds that much latency to every call when idle',
      min: 0,
      max: 1000,
      fallback: 0,
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
    // GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_CLIENT_CA_FILE, GRPC_HEALTH_PORT
    ...serverTlsSpec,
  };
}

export type ClassifierConfig = ConfigOf<ReturnType<typeof classifierConfigSpec>>;

/** Reads and validates the classifier's environment, listing every bad variable at once. */
export function loadClassifierConfig(env: Env = process.env): ClassifierConfig {
  const config = loadConfig(classifierConfigSpec(), env);
  const problems = serverTlsProblems(config);
  // A call the queue could never hold would be refused forever: every allowed call must fit.
  if (config.maxItems > config.maxQueue) {
    problems.push(
      `CLASSIFIER_MAX_QUEUE=${config.maxQueue} is smaller than CLASSIFIER_MAX_ITEMS=${config.maxItems}: a call of ${config.maxItems} crops could never be queued`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
