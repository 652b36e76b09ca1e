import type { Logger } from '@skinlesion/logger';
import type { Registry } from '@skinlesion/metrics';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GatewayClients } from './clients.js';
import type { GatewayConfig } from './config.js';
import { registerErrorHandling, registerProtocolErrors, type ErrorReporting } from './errors.js';
import { createGatewayMetrics } from './metrics.js';
import { registerHttpMetrics } from './plugins/http-metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRequestContext, requestIdFor } from './plugins/request-context.js';
import { acceptImageUploads } from './plugins/uploads.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { analysesRoutes } from './routes/v1/analyses.js';
import { classifyRoutes } from './routes/v1/classify.js';
import { predictRoutes } from './routes/v1/predict.js';
import { oipRoutes } from './routes/v2/oip.js';
import { webPageRoutes } from './routes/web.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { Classifier } from './services/classifier.js';
import type { PipelineDeps } from './services/pipeline.js';
import { gatewayVersion } from './version.js';

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
  | 'maxInferenceBodyBytes'
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

/** The name the gateway gives itself in the Open Inference Protocol's server metadata. */
const SERVER_NAME = 'skinlesion';

/**
 * The gateway as a fastify instance, built from plugins; it never listens (main.ts does), so
 * tests drive it with inject() and the integrator can point it at any running services.
 *
 * Cross-cutting concerns are root-level hooks registered before any route (request context,
 * metrics, errors); more of them (authentication, rate limits, CORS, security headers) belong
 * in the same place, in front of every route group below.
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
  const reporting: ErrorReporting = { limits, metrics };
  const classifier = new Classifier(deps.classifiers, { modelName: options.classifierModel, chunkSize: options.classifyChunk, metrics });
  const pipeline: PipelineDeps = {
    tiler: deps.tiler,
    uglyDuckling: deps.uglyDuckling,
    classifier,
    metrics,
    maxCandidates: options.maxCandidates,
    grpcMaxMessageBytes: options.grpcMaxMessageBytes,
  };
  const version = gatewayVersion();

  app.decorate('draining', false);
  registerRequestContext(app, { requestTimeoutMs: options.requestTimeoutMs });
  registerHttpMetrics(app, metrics);
  registerErrorHandling(app, reporting);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  // First, so that the document sees every route registered after it.
  app.register(registerOpenApi, {
    version,
    // The examples of a running gateway show its model; without one the document still answers.
    servedModel: (request) => classifier.info(request.scope).catch(() => undefined),
  });
  app.register(webPageRoutes, limits);
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
  app.register(predictRoutes, { prefix: '/v1', pipeline, reporting, maxBodyBytes: options.maxInferenceBodyBytes });
  // TF Serving's and AI Platform's namespaces answer unknown paths in their own error shape too.
  for (const prefix of ['/v1/models', '/v1/projects']) {
    app.register(async (scope) => registerProtocolErrors(scope, reporting, { notFound: true }), { prefix });
  }
  app.register(oipRoutes, { prefix: '/v2', classifier, reporting, maxBodyBytes: options.maxInferenceBodyBytes, serverName: SERVER_NAME, serverVersion: version });
  return app;
}
