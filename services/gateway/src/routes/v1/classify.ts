import type { FastifyInstance } from 'fastify';
import { readImages } from '../../plugins/uploads.js';
import { DOCUMENTED_BODY, problemResponses, SERVER_FAULTS, sharedRef, success, UPLOAD_PROBLEMS } from '../../schemas/index.js';
import { uploadBody } from '../../schemas/rest.js';
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
      config: { admission: 'inference' },
      schema: {
        operationId: 'classify',
        tags: ['classification'],
        summary: 'Classify whole images as single patches',
        description:
          "The seed's cloud variant: each uploaded image is one patch, resized to the model's input (bilinear, aspect ratio not kept) and classified; no detection, no ugly-duckling step.",
        [DOCUMENTED_BODY]: uploadBody('the patches to classify'),
        response: { 200: success('one result per image, in upload order', sharedRef('ClassifyReport')), ...problemResponses([...UPLOAD_PROBLEMS, ...SERVER_FAULTS], '/v1/classify') },
      },
    },
    async (request) => classifyImages(pipeline, await readImages(request), request.scope),
  );
}
