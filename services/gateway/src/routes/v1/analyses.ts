import { callUnary } from '@skinlesion/grpc-kit';
import type { PictureKind } from '@skinlesion/proto';
import type { FastifyInstance } from 'fastify';
import { marksFor, type PictureKindName } from '../../domain/pictures.js';
import { timeStage } from '../../metrics.js';
import { readImages } from '../../plugins/uploads.js';
import { ProblemError, type ProblemKind } from '../../problems.js';
import { DOCUMENTED_BODY, problemResponses, SERVER_FAULTS, sharedRef, success, UPLOAD_PROBLEMS } from '../../schemas/index.js';
import { analysisQuerySchema, pictureQuerySchema, uploadBody } from '../../schemas/rest.js';
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

const ANALYSIS_PROBLEMS: readonly ProblemKind[] = [...UPLOAD_PROBLEMS, 'all-photos-blurred', ...SERVER_FAULTS];

/** POST /analyses and /analyses/picture: photos of one patient in, lesions or a picture out. */
export async function analysesRoutes(app: FastifyInstance, { pipeline }: AnalysesRouteOptions): Promise<void> {
  app.post<{ Querystring: AnalysisQuery }>(
    '/analyses',
    {
      config: { admission: 'analysis' },
      schema: {
        operationId: 'analyse',
        tags: ['analyses'],
        summary: 'Analyse the photos of one patient',
        description:
          'Every candidate lesion of every photo with its six class probabilities, the rule-corrected class, its ugly-duckling score and rank (over the pigmented lesions of all photos together), counts per class and the risk label. A blurred photo is reported with `blurred: true` and no lesions; when every photo is blurred the answer is 422 `all-photos-blurred`.',
        querystring: analysisQuerySchema,
        [DOCUMENTED_BODY]: uploadBody('the photos of one patient'),
        response: { 200: success('the analysis', sharedRef('Analysis')), ...problemResponses(ANALYSIS_PROBLEMS, '/v1/analyses') },
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
      config: { admission: 'analysis' },
      schema: {
        operationId: 'analysisPicture',
        tags: ['analyses'],
        summary: 'Analyse the photos and draw one picture of one of them',
        description:
          'The same analysis as POST /v1/analyses (the photos are analysed again), drawn on photo `photo`: yellow (nspl_b) and red (spl) boxes, the ugly-duckling heat map (common = blue, odd = red), or the montage of the pigmented lesions\' crops ranked by ugly-duckling score.',
        querystring: pictureQuerySchema,
        [DOCUMENTED_BODY]: uploadBody('the photos of one patient'),
        response: {
          200: success('the picture', { type: 'string', format: 'binary' }, 'image/png', {
            'content-disposition': { type: 'string', description: 'inline, with a file name such as boxes-p0.png', examples: ['inline; filename="boxes-p0.png"'] },
          }),
          ...problemResponses(ANALYSIS_PROBLEMS, '/v1/analyses/picture'),
        },
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
