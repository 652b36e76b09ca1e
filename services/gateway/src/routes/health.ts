import type { FastifyInstance } from 'fastify';
import { sendProblem, toProblem, type ErrorLimits } from '../errors.js';
import { ProblemError } from '../problems.js';
import { problemResponses, success } from '../schemas/index.js';
import { liveSchema, readySchema } from '../schemas/rest.js';
import type { Readiness } from '../services/readiness.js';

export interface HealthRouteOptions {
  readonly readiness: Readiness;
  readonly timeoutMs: number;
  readonly limits: ErrorLimits;
  /** True once the gateway is shutting down: it stops being ready before it stops serving. */
  readonly draining: () => boolean;
}

/** GET /healthz (the process answers) and GET /readyz (every backend is SERVING). */
export async function healthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'live',
        tags: ['health'],
        summary: 'Liveness: the gateway process answers',
        response: { 200: success('the process is up', liveSchema), ...problemResponses(['internal'], '/healthz') },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        tags: ['health'],
        summary: 'Readiness: the tiler, every classifier replica and ugly-duckling are SERVING',
        description: 'Each backend is asked over grpc.health.v1. 503 `not-ready` names the ones that are not, and is answered too while the gateway drains at shutdown.',
        response: { 200: success('every backend is serving', readySchema), ...problemResponses(['not-ready', 'internal'], '/readyz') },
      },
    },
    async (request, reply) => {
      const checks = await options.readiness.check(options.timeoutMs);
      const draining = options.draining();
      const notReady = checks.filter((check) => check.status !== 'SERVING');
      if (notReady.length === 0 && !draining) return { status: 'ready', checks };
      const reasons = notReady.map((check) => `${check.service} ${check.target} is ${check.status}`);
      if (draining) reasons.unshift('the gateway is shutting down');
      return sendProblem(reply, toProblem(new ProblemError('not-ready', reasons.join('; '), { checks }), request, options.limits));
    },
  );
}
