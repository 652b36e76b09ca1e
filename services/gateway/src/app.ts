import type { Logger } from '@skinlesion/logger';
import type { Registry } from '@skinlesion/metrics';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { GatewayClients } from './clients.js';
import type { GatewayConfig } from './config.js';
import { registerErrorHandling, registerProtocolErrors, type ErrorReporting } from './errors.js';
import { registerAdmission } from './plugins/admission.js';
import { API_KEY_SECURITY_SCHEMES, authNote, registerAuth } from './plugins/auth.js';
import { registerCors } from './plugins/cors.js';
import { rateLimitNote, registerRateLimit } from './plugins/rate-limit.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
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
  /** The rate limit's monotonic clock in ms; performance.now by default (tests move their own). */
  readonly now?: () => number;
}

/** The settings the app itself uses; a whole GatewayConfig fits. */
export type AppOptions = Pick<
  GatewayConfig,
  | 'requestTimeoutMs'
  | 'maxRequestTimeoutMs'
  | 'maxInFlightRequests'
  | 'maxQueuedRequests'
  | 'maxQueueWaitMs'
  | 'maxStandingQueueWaitMs'
  | 'grpcMaxMessageBytes'
  | 'maxUploadBytes'
  | 'maxInferenceBodyBytes'
  | 'maxPhotos'
  | 'maxCandidates'
  | 'classifyChunk'
  | 'classifierModel'
  | 'readinessTimeoutMs'
  | 'apiKeys'
  | 'healthRequiresKey'
  | 'metricsRequiresKey'
  | 'docsRequiresKey'
  | 'rateLimitPerSecond'
  | 'rateLimitBurst'
  | 'rateLimitMaxClients'
  | 'trustProxy'
  | 'securityHeaders'
  | 'hstsMaxAgeSeconds'
  | 'corsOrigins'
  | 'corsMaxAgeSeconds'
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
 * Cross-cutting concerns are root-level hooks registered before any route, in the order they
 * run: security headers, CORS, request context, metrics, authentication, rate limit, admission,
 * errors; they stand in front of every route group below.
 */
export function buildApp(deps: AppDeps, options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: requestIdFor,
    requestIdHeader: false,
    // request.ip is the client's, not the proxy's, only behind the proxies named here.
    trustProxy: options.trustProxy,
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
  // Before every other hook, so that each answer has them, a request refused by a hook too;
  // a CORS preflight is answered here and goes no further.
  if (options.securityHeaders) registerSecurityHeaders(app, { hstsMaxAgeSeconds: options.hstsMaxAgeSeconds });
  registerCors(app, { origins: options.corsOrigins, maxAgeSeconds: options.corsMaxAgeSeconds });
  registerRequestContext(app, { requestTimeoutMs: options.requestTimeoutMs, maxRequestTimeoutMs: options.maxRequestTimeoutMs });
  registerHttpMetrics(app, metrics);
  // After the request context (their refusals carry the request id and are counted), before
  // admission: a request without a key or over its rate never waits for a serving slot.
  const keyRequirements = { health: options.healthRequiresKey, metrics: options.metricsRequiresKey, docs: options.docsRequiresKey };
  registerAuth(app, { keys: options.apiKeys, require: keyRequirements, metrics });
  registerRateLimit(app, {
    ratePerSecond: options.rateLimitPerSecond,
    burst: options.rateLimitBurst,
    maxClients: options.rateLimitMaxClients,
    now: deps.now ?? (() => performance.now()),
    metrics,
  });
  registerAdmission(app, {
    limits: {
      maxInFlight: options.maxInFlightRequests,
      maxQueued: options.maxQueuedRequests,
      maxQueueWaitMs: options.maxQueueWaitMs,
      maxStandingQueueWaitMs: options.maxStandingQueueWaitMs,
    },
    metrics,
  });
  registerErrorHandling(app, reporting);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  // First, so that the document sees every route registered after it.
  app.register(registerOpenApi, {
    version,
    // The examples of a running gateway show its model; without one the document still answers.
    servedModel: (request) => classifier.info(request.scope).catch(() => undefined),
    ...(options.apiKeys.length > 0 ? { securitySchemes: API_KEY_SECURITY_SCHEMES } : {}),
    notes: [
      ...(options.apiKeys.length > 0 ? [authNote(keyRequirements)] : []),
      ...(options.rateLimitPerSecond > 0 ? [rateLimitNote(options.rateLimitPerSecond, options.rateLimitBurst)] : []),
    ],
  });
  app.register(webPageRoutes, { ...limits, apiKeyRequired: options.apiKeys.length > 0 });
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
