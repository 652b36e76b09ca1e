import type { FastifyInstance } from 'fastify';
import { sendProblem, toProblem, type ErrorLimits } from '../errors.js';
import { ProblemError } from '../problems.js';
import { liveSchema, problemResponses, readySchema } from '../schemas.js';
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
  app.get('/healthz', { schema: { response: { 200: liveSchema } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { response: { 200: readySchema, ...problemResponses } } },
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
