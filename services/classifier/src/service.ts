import { performance } from 'node:perf_hooks';
import { createGrpcMetrics, serverCredentialsFrom, serverTlsMode, type ServerTlsMode } from '@skinlesion/grpc-kit';
import type { Logger } from '@skinlesion/logger';
import { createRegistry, serveMetrics, type MetricsServer } from '@skinlesion/metrics';
import type { ClassifierConfig } from './config.js';
import { oipHandlers } from './handlers/index.js';
import { batcherObserver, createClassifierMetrics } from './metrics.js';
import { Classifier } from './runtime/classifier.js';
import { loadRunner, type RuntimeOptions } from './runtime/load.js';
import type { ModelRunner, RuntimeName } from './runtime/runner.js';
import { startServer } from './server.js';
import { ServingState } from './state.js';
import { packageVersion } from './version.js';

export interface RunningClassifier {
  /** The bound gRPC port (the configured one, or the one picked for port 0). */
  readonly port: number;
  readonly metricsPort: number;
  /** The plaintext health-only port (GRPC_HEALTH_PORT), when one was asked for. */
  readonly healthPort?: number;
  /** What the gRPC port speaks: off (plaintext), tls or mutual. */
  readonly tls: ServerTlsMode;
  /** The runtime serving the model: onnxruntime or tfjs. */
  readonly runtime: RuntimeName;
  /** The TF.js backend in use (tensorflow, wasm or cpu), or ONNX Runtime's execution provider (cpu). */
  readonly backend: string;
  /** The Open Inference Protocol platform reported by ModelMetadata. */
  readonly platform: string;
  readonly model: { readonly name: string; readonly version: string; readonly inputSize: number };
  /** NOT_SERVING and ServerReady false, drain in-flight calls for up to the grace period, release the model. */
  shutdown(): Promise<void>;
}

/** What startClassifier builds on; tests replace parts. */
export interface ClassifierDeps {
  /** Loads the model on its runtime (runtime/load.ts's loadRunner). */
  readonly loadRunner?: (options: RuntimeOptions, log: Logger) => Promise<ModelRunner>;
}

/**
 * Starts the classifier: the gRPC server first (health NOT_SERVING, so probes get an answer while
 * the model loads), then the metrics endpoint, the runtime and the model, warmed with one full
 * batch; only then SERVING. Resolves once it serves; rejects, having closed what it opened, when
 * the model cannot be loaded.
 */
export async function startClassifier(config: ClassifierConfig, log: Logger, deps: ClassifierDeps = {}): Promise<RunningClassifier> {
  const registry = createRegistry('classifier');
  const metrics = createClassifierMetrics(registry);
  const state = new ServingState();
  const handlers = oipHandlers({ state, serverVersion: packageVersion(), maxItems: config.maxItems });
  const grpc = await startServer(handlers, {
    host: config.host,
    port: config.port,
    maxMessageBytes: config.maxMessageBytes,
    log,
    metrics: createGrpcMetrics(registry),
    credentials: serverCredentialsFrom(config),
    healthPort: config.grpcHealthPort ?? undefined,
  });

  let metricsServer: MetricsServer | undefined;
  let classifier: Classifier | undefined;
  try {
    metricsServer = await serveMetrics(registry, config.metricsPort, config.host);
    const loadStarted = performance.now();
    const runner = await (deps.loadRunner ?? loadRunner)(
      { modelDir: config.modelDir, runtime: config.runtime, backend: config.backend, thread: config.inferenceThread },
      log,
    );
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    metrics.modelLoadSeconds.set(loadSeconds);
    classifier = new Classifier(runner, {
      maxBatch: config.maxBatch,
      maxQueueDelayMs: config.maxQueueDelayMs,
      maxQueue: config.maxQueue,
      pipelineDepth: config.pipelineDepth,
      observer: batcherObserver(metrics),
    });
    const warmUpSeconds = await classifier.warmUp();
    const { manifest, runtime, backend, platform } = classifier;
    metrics.runtimeInfo.set({ runtime, backend, platform }, 1);
    log.info(
      {
        model: manifest.name,
        version: manifest.version,
        inputSize: manifest.inputSize,
        runtime,
        backend,
        platform,
        maxBatch: config.maxBatch,
        maxQueueDelayMs: config.maxQueueDelayMs,
        maxQueue: config.maxQueue,
        pipelineDepth: config.pipelineDepth,
        // TF.js runs on the event loop whatever the setting.
        inferenceThread: runtime === 'onnxruntime' ? config.inferenceThread : 'caller',
        loadSeconds,
        warmUpSeconds,
      },
      'model ready',
    );
    let stopping: Promise<void> | undefined;
    state.serve(classifier);
    grpc.setServing(true);
    // A replica whose inference thread died cannot classify again: out of rotation (NOT_SERVING,
    // which the liveness probe also sees, so the orchestrator restarts it), and every call is
    // refused with UNAVAILABLE at once, so that callers retry on another replica.
    void runner.lost?.then((reason) => {
      if (stopping !== undefined) return;
      log.error({ err: reason }, 'inference thread lost: NOT_SERVING');
      state.stop();
      grpc.setServing(false);
    });

    const served = classifier;
    const stoppedMetrics = metricsServer;
    return {
      port: grpc.port,
      metricsPort: metricsServer.port,
      healthPort: grpc.healthPort,
      tls: serverTlsMode(config),
      runtime,
      backend,
      platform,
      model: { name: manifest.name, version: manifest.version, inputSize: manifest.inputSize },
      shutdown() {
        stopping ??= (async () => {
          state.stop();
          await grpc.shutdown(config.shutdownGraceMs);
          await stoppedMetrics.close();
          await served.dispose();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await classifier?.dispose();
    await grpc.shutdown(0);
    await metricsServer?.close();
    throw error;
  }
}
