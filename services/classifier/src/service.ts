import { performance } from 'node:perf_hooks';
import { createGrpcMetrics } from '@skinlesion/grpc-kit';
import type { Logger } from '@skinlesion/logger';
import { createRegistry, serveMetrics, type MetricsServer } from '@skinlesion/metrics';
import type { ClassifierConfig } from './config.js';
import { oipHandlers } from './handlers/index.js';
import { batcherObserver, createClassifierMetrics } from './metrics.js';
import { Classifier } from './runtime/classifier.js';
import { loadRunner } from './runtime/load.js';
import type { RuntimeName } from './runtime/runner.js';
import { startServer } from './server.js';
import { ServingState } from './state.js';
import { packageVersion } from './version.js';

export interface RunningClassifier {
  /** The bound gRPC port (the configured one, or the one picked for port 0). */
  readonly port: number;
  readonly metricsPort: number;
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

/**
 * Starts the classifier: the gRPC server first (health NOT_SERVING, so probes get an answer while
 * the model loads), then the metrics endpoint, the runtime and the model, warmed with one full
 * batch; only then SERVING. Resolves once it serves; rejects, having closed what it opened, when
 * the model cannot be loaded.
 */
export async function startClassifier(config: ClassifierConfig, log: Logger): Promise<RunningClassifier> {
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
  });

  let metricsServer: MetricsServer | undefined;
  let classifier: Classifier | undefined;
  try {
    metricsServer = await serveMetrics(registry, config.metricsPort, config.host);
    const loadStarted = performance.now();
    const runner = await loadRunner({ modelDir: config.modelDir, runtime: config.runtime, backend: config.backend }, log);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    metrics.modelLoadSeconds.set(loadSeconds);
    classifier = new Classifier(runner, {
      maxBatch: config.maxBatch,
      maxQueueDelayMs: config.maxQueueDelayMs,
      maxQueue: config.maxQueue,
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
        loadSeconds,
        warmUpSeconds,
      },
      'model ready',
    );
    state.serve(classifier);
    grpc.setServing(true);

    const served = classifier;
    const stoppedMetrics = metricsServer;
    let stopping: Promise<void> | undefined;
    return {
      port: grpc.port,
      metricsPort: metricsServer.port,
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
