import { callUnary } from '@skinlesion/grpc-kit';
import type { PictureKind } from '@skinlesion/proto';
import type { FastifyInstance } from 'fastify';
import { marksFor, type PictureKindName } from '../../domain/pictures.js';
import { timeStage } from '../../metrics.js';
import { readImages } from '../../plugins/uploads.js';
import { ProblemError } from '../../problems.js';
import { analysisQuerySchema, analysisSchema, pictureQuerySchema, problemResponses } from '../../schemas.js';
import { analysePhotos } from '../../services/analysis.js';
import type { PipelineDeps } from '../../services/pipeline.js';
import { upstreamError } from '../../services/upstream.js';

export interface AnalysesRouteOptions {
  readonly pipeline: PipelineDeps;
}

const RENDER_KINDS: Record<PictureKindName, PictureKind> = {
  boxes: 'PICTURE_KIND_BOXES',
  heatmap: 'PICTURE_KIND_HEATMAP',
  montage: 'PICTURE_KIND_MONTAGE',
};

interface AnalysisQuery {
  correction: boolean;
}

interface PictureQuery extends AnalysisQuery {
  kind: PictureKindName;
  photo: number;
  maxWidth: number;
}

/** POST /analyses and /analyses/picture: photos of one patient in, lesions or a picture out. */
export async function analysesRoutes(app: FastifyInstance, { pipeline }: AnalysesRouteOptions): Promise<void> {
  app.post<{ Querystring: AnalysisQuery }>(
    '/analyses',
    {
      schema: {
        querystring: analysisQuerySchema,
        response: { 200: analysisSchema, ...problemResponses },
      },
    },
    async (request) => {
      const photos = await readImages(request);
      return analysePhotos(pipeline, photos, { correction: request.query.correction }, request.scope);
    },
  );

  app.post<{ Querystring: PictureQuery }>(
    '/analyses/picture',
    {
      schema: {
        querystring: pictureQuerySchema,
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const { kind, photo, correction, maxWidth } = request.query;
      const photos = await readImages(request);
      if (photo >= photos.length) {
        throw new ProblemError('invalid-request', `photo=${photo} but the request has ${photos.length} photo(s)`, { photos: photos.length });
      }
      const report = await analysePhotos(pipeline, photos, { correction }, request.scope);
      const rendering = await timeStage(pipeline.metrics, 'render', async () => {
        try {
          return await callUnary(
            pipeline.tiler,
            'Render',
            { image: photos[photo], kind: RENDER_KINDS[kind], marks: marksFor(kind, report.lesions, photo), maxWidth },
            request.scope,
          );
        } catch (error) {
          // The photo was already decoded by Tile: a refusal now is ours, not the client's.
          throw upstreamError(error, 'tiler', false);
        }
      });
      return reply
        .type('image/png')
        .header('content-disposition', `inline; filename="${kind}-p${photo}.png"`)
        .send(rendering.value.png);
    },
  );
}
