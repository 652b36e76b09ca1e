import type { Logger } from '@skinlesion/logger';
import type { Registry } from '@skinlesion/metrics';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GatewayClients } from './clients.js';
import type { GatewayConfig } from './config.js';
import { registerErrorHandling } from './errors.js';
import { createGatewayMetrics } from './metrics.js';
import { registerHttpMetrics } from './plugins/http-metrics.js';
import { registerRequestContext, requestIdFor } from './plugins/request-context.js';
import { acceptImageUploads } from './plugins/uploads.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { analysesRoutes } from './routes/v1/analyses.js';
import { classifyRoutes } from './routes/v1/classify.js';
import { problemSchema } from './schemas.js';
import { Classifier } from './services/classifier.js';
import type { PipelineDeps } from './services/pipeline.js';

/** The backends (see createClients) plus the process-wide registry and logger. */
export interface AppDeps extends Pick<GatewayClients, 'tiler' | 'classifiers' | 'uglyDuckling' | 'readiness'> {
  readonly registry: Registry;
  /** pino logger; none = silent (tests). */
  readonly logger?: Logger;
}

/** The settings the app itself uses; a whole GatewayConfig fits. */
export type AppOptions = Pick<
  GatewayConfig,
  | 'requestTimeoutMs'
  | 'grpcMaxMessageBytes'
  | 'maxUploadBytes'
  | 'maxPhotos'
  | 'maxCandidates'
  | 'classifyChunk'
  | 'classifierModel'
  | 'readinessTimeoutMs'
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set on SIGTERM: /readyz answers 503 while in-flight requests drain. */
    draining: boolean;
  }
}

/**
 * The gateway as a fastify instance, built from plugins; it never listens (main.ts does), so
 * tests drive it with inject() and the integrator can point it at any running services.
 */
export function buildApp(deps: AppDeps, options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Same field name as the gRPC services' logs, so one query follows a request everywhere.
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
  }) as unknown as FastifyInstance;

  const metrics = createGatewayMetrics(deps.registry);
  const limits = { maxUploadBytes: options.maxUploadBytes, maxPhotos: options.maxPhotos };
  const pipeline: PipelineDeps = {
    tiler: deps.tiler,
    uglyDuckling: deps.uglyDuckling,
    classifier: new Classifier(deps.classifiers, { modelName: options.classifierModel, chunkSize: options.classifyChunk, metrics }),
    metrics,
    maxCandidates: options.maxCandidates,
    grpcMaxMessageBytes: options.grpcMaxMessageBytes,
  };

  app.decorate('draining', false);
  registerRequestContext(app, { requestTimeoutMs: options.requestTimeoutMs });
  registerHttpMetrics(app, metrics);
  registerErrorHandling(app, limits);
  app.addSchema(problemSchema);

  app.register(healthRoutes, {
    readiness: deps.readiness,
    timeoutMs: options.readinessTimeoutMs,
    limits,
    draining: () => app.draining,
  });
  app.register(metricsRoutes, { registry: deps.registry });
  app.register(
    async (v1) => {
      await acceptImageUploads(v1, limits);
      await v1.register(analysesRoutes, { pipeline });
      await v1.register(classifyRoutes, { pipeline });
    },
    { prefix: '/v1' },
  );
  return app;
}
