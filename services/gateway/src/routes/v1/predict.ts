import { AppError } from '@skinlesion/errors';
import type { FastifyInstance } from 'fastify';
import { parsePredictRequest, type PredictRequest } from '../../domain/predict/request.js';
import { registerProtocolErrors, type ErrorReporting } from '../../errors.js';
import { ProblemError } from '../../problems.js';
import { DOCUMENTED_BODY, requestIdHeader, sharedRef, success } from '../../schemas/index.js';
import { aiPlatformPathParams, predictExamples, predictPathParams, predictVersionPathParams } from '../../schemas/predict.js';
import type { PipelineDeps } from '../../services/pipeline.js';
import { predict } from '../../services/predict.js';

export interface PredictRouteOptions {
  readonly pipeline: PipelineDeps;
  readonly reporting: ErrorReporting;
  /** Largest predict body, in bytes: a 150 x 150 x 3 image of 0..1 floats is about 1.3 MB of JSON. */
  readonly maxBodyBytes: number;
}

interface PredictParams {
  model_name: string;
  model_version?: string;
  project?: string;
}

const TAG = 'TensorFlow Serving';

const ERROR_MEANINGS: Record<number, string> = {
  400: 'the body is not a predict request, or an instance is not an image',
  404: 'no such model or version is served',
  413: 'the body exceeds MAX_INFERENCE_BODY_BYTES',
  415: 'the body is not JSON',
  422: 'an image exceeds a limit (e.g. pixels)',
  500: 'an internal error',
  503: 'a backend service cannot take the call now; see Retry-After',
  504: 'the request did not finish within REQUEST_TIMEOUT_MS',
};

function predictErrors(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(ERROR_MEANINGS).map(([status, meaning]) => [
      status,
      {
        description: `${meaning}. The body is TF Serving's {"error": "<message>"}, not problem+json.`,
        headers: requestIdHeader,
        content: { 'application/json': { schema: sharedRef('OipError') } },
      },
    ]),
  );
}

function readPredictRequest(body: unknown): PredictRequest {
  try {
    return parsePredictRequest(body);
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVALID_ARGUMENT') throw new ProblemError('invalid-request', error.message, {}, { cause: error });
    throw error;
  }
}

/**
 * TensorFlow Serving's (and AI Platform's) predict API on the classifier:
 * POST /v1/models/{name}[/versions/{version}]:predict, and AI Platform's
 * /v1/projects/{project}/models/{name}[/versions/{version}]:predict, so the seed's client works
 * by pointing it at this service. Registered with prefix /v1; `:` before the verb is literal.
 */
export async function predictRoutes(app: FastifyInstance, options: PredictRouteOptions): Promise<void> {
  registerProtocolErrors(app, options.reporting, { notFound: false });
  // JSON only: any other body is a 415 rather than a confusing parse error.
  app.removeContentTypeParser('text/plain');

  // A path segment: anything but "/" and ":", so that ":predict" is the verb, not part of the name.
  const segment = '(^[^/:]+)';
  const routes = [
    { url: `/models/:model_name${segment}::predict`, params: predictPathParams, id: 'predict', summary: 'Predict (TF Serving)' },
    {
      url: `/models/:model_name${segment}/versions/:model_version${segment}::predict`,
      params: predictVersionPathParams,
      id: 'predictVersion',
      summary: 'Predict with a model version (TF Serving)',
    },
    {
      url: `/projects/:project${segment}/models/:model_name${segment}::predict`,
      params: aiPlatformPathParams,
      id: 'aiPlatformPredict',
      summary: 'Predict (AI Platform path)',
    },
    {
      url: `/projects/:project${segment}/models/:model_name${segment}/versions/:model_version${segment}::predict`,
      params: { ...aiPlatformPathParams, required: [...aiPlatformPathParams.required, 'model_version'], properties: { ...aiPlatformPathParams.properties, ...predictVersionPathParams.properties } },
      id: 'aiPlatformPredictVersion',
      summary: 'Predict with a model version (AI Platform path)',
    },
  ];

  for (const route of routes) {
    app.post<{ Params: PredictParams }>(
      route.url,
      {
        config: { admission: 'inference' },
        bodyLimit: options.maxBodyBytes,
        schema: {
          operationId: route.id,
          tags: [TAG],
          summary: route.summary,
          description:
            'Six class probabilities per image. Row format: `{"instances": [...]}` in, `{"predictions": [...]}` out; columnar format: `{"inputs": ...}` in, `{"outputs": ...}` out. Pixel numbers are read as 0..1 (x / 255, what the seed\'s client sent) unless some value of the request exceeds 1, then as 0..255.',
          params: route.params,
          [DOCUMENTED_BODY]: {
            description: 'a predict request',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictRequest' }, examples: predictExamples } },
          },
          response: { 200: success('the probabilities, one row per image in order', sharedRef('PredictResponse')), ...predictErrors() },
        },
      },
      async (request) => {
        const parsed = readPredictRequest(request.body);
        const { model_name: name, model_version: version } = request.params;
        const rows = await predict(options.pipeline, parsed, { name, version }, request.scope);
        return parsed.format === 'row' ? { predictions: rows } : { outputs: rows };
      },
    );
  }
}
