import type { FastifyInstance } from 'fastify';
import { readImages } from '../../plugins/uploads.js';
import { classifySchema, problemResponses } from '../../schemas.js';
import { classifyImages } from '../../services/classify.js';
import type { PipelineDeps } from '../../services/pipeline.js';

export interface ClassifyRouteOptions {
  readonly pipeline: PipelineDeps;
}

/** POST /classify: the seed's single-patch variant, one result per uploaded image. */
export async function classifyRoutes(app: FastifyInstance, { pipeline }: ClassifyRouteOptions): Promise<void> {
  app.post(
    '/classify',
    {
      schema: {
        response: { 200: classifySchema, ...problemResponses },
      },
    },
    async (request) => classifyImages(pipeline, await readImages(request), request.scope),
  );
}
