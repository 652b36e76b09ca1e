import type { Registry } from '@skinlesion/metrics';
import type { FastifyInstance } from 'fastify';

/** GET /metrics in the Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
