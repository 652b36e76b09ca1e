import { performance } from 'node:perf_hooks';
import { createGrpcMetrics } from '@skinlesion/grpc-kit';
import type { Logger } from '@skinlesion/logger';
import { createRegistry, serveMetrics, type MetricsServer } from '@skinlesion/metrics';
import type { ClassifierConfig } from './config.js';
import { oipHandlers } from './handlers/index.js';
import { createClassifierMetrics } from './metrics.js';
import { initBackend } from './runtime/backend.js';
import { Classifier } from './runtime/classifier.js';
import { loadModelDir } from './runtime/model.js';
import { startServer } from './server.js';
import { ServingState } from './state.js';
import { packageVersion } from './version.js';

export interface RunningClassifier {
  /** The bound gRPC port (the configured one, or the one picked for port 0). */
  readonly port: number;
  readonly metricsPort: number;
  /** The TF.js backend in use: tensorflow, wasm or cpu. */
  readonly backend: string;
  readonly model: { readonly name: string; readonly version: string; readonly inputSize: number };
  /** NOT_SERVING and ServerReady false, drain in-flight calls for up to the grace period, release the model. */
  shutdown(): Promise<void>;
}

/**
 * Starts the classifier: the gRPC server first (health NOT_SERVING, so probes get an answer while
 * the model loads), then the metrics endpoint, the TF.js backend and the model, warmed with one
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
    const backend = await initBackend(config.backend, log);
    const loadStarted = performance.now();
    const model = await loadModelDir(config.modelDir);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    metrics.modelLoadSeconds.set(loadSeconds);
    classifier = new Classifier(model, {
      maxBatch: config.maxBatch,
      onBatch: (size, seconds) => {
        metrics.batchSize.observe(size);
        metrics.inferenceSeconds.observe(seconds);
        metrics.items.inc(size);
      },
    });
    const warmUpSeconds = await classifier.warmUp();
    const { manifest } = classifier;
    log.info(
      { model: manifest.name, version: manifest.version, format: manifest.format, inputSize: manifest.inputSize, backend, loadSeconds, warmUpSeconds },
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
      backend,
      model: { name: manifest.name, version: manifest.version, inputSize: manifest.inputSize },
      shutdown() {
        stopping ??= (async () => {
          state.stop();
          await grpc.shutdown(config.shutdownGraceMs);
          await stoppedMetrics.close();
          served.dispose();
        })();
        return stopping;
      },
    };
  } catch (error) {
    classifier?.dispose();
    await grpc.shutdown(0);
    await metricsServer?.close();
    throw error;
  }
}
