import type { Registry } from '@skinlesion/metrics';
import type { FastifyInstance } from 'fastify';
import { problemResponses, success } from '../schemas/index.js';

/** GET /metrics in the Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['health'],
        summary: 'Prometheus metrics of the gateway',
        response: {
          200: success('the Prometheus text exposition format', { type: 'string' }, 'text/plain; version=0.0.4; charset=utf-8'),
          ...problemResponses(['internal'], '/metrics'),
        },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
