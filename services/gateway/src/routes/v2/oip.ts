import { AppError } from '@skinlesion/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseInferRequest, splitInferBody, type InferRequest } from '../../domain/oip/infer-request.js';
import { registerProtocolErrors, type ErrorReporting } from '../../errors.js';
import { ProblemError } from '../../problems.js';
import { DOCUMENTED_BODY, requestIdHeader, sharedRef, success } from '../../schemas/index.js';
import { INFER_EXAMPLE_PATH, inferExamples, INFERENCE_HEADER, modelPathParams, OIP_EXTENSIONS, versionPathParams } from '../../schemas/oip.js';
import type { Classifier } from '../../services/classifier.js';
import { infer, modelMetadata, modelReady, serverReady, type ModelRef } from '../../services/oip.js';

export interface OipRouteOptions {
  readonly classifier: Classifier;
  readonly reporting: ErrorReporting;
  /** Largest infer request body, JSON and binary tensors together, in bytes. */
  readonly maxBodyBytes: number;
  readonly serverName: string;
  readonly serverVersion: string;
}

interface ModelParams {
  model_name: string;
  model_version?: string;
}

const TAG = 'Open Inference Protocol';

/** Statuses an OIP route can answer with an error, and what each means here. */
const ERROR_MEANINGS: Record<number, string> = {
  400: 'the request is malformed or does not fit the model (shape, datatype, data)',
  404: 'no such model or version is served, or no such route',
  413: 'the body exceeds MAX_INFERENCE_BODY_BYTES',
  422: 'the input exceeds a limit of the classifier',
  500: 'an internal error',
  503: 'no classifier replica can take the call now; see Retry-After',
  504: 'the request did not finish within REQUEST_TIMEOUT_MS',
};

function oipErrors(statuses: readonly number[]): Record<string, object> {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: `${ERROR_MEANINGS[status]}. The body is the protocol's {"error": "<message>"}, not problem+json.`,
        headers: { ...requestIdHeader, ...(status === 503 ? { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying' } } : {}) },
        content: { 'application/json': { schema: sharedRef('OipError') } },
      },
    ]),
  );
}

/** A true/false answer carried by the status code alone, as the protocol's health API does. */
const truthResponses = (yes: string, no: string) => ({
  200: { type: 'null', description: `${yes} (empty body)` },
  400: { type: 'null', description: `${no} (empty body; the protocol uses a 4xx status for false)` },
});

function modelRef(params: ModelParams): ModelRef {
  return { name: params.model_name, version: params.model_version ?? '' };
}

function answerTruth(reply: FastifyReply, truth: boolean): FastifyReply {
  return reply.code(truth ? 200 : 400).send();
}

/** The request's body as an OIP infer request; every refusal is a 400 saying what is wrong. */
function readInferRequest(request: FastifyRequest): InferRequest {
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new ProblemError('invalid-request', 'the request has no body: send an infer request as JSON');
  // The header schema has already turned a valid value into a number.
  const header: unknown = request.headers[INFERENCE_HEADER];
  try {
    return parseInferRequest(splitInferBody(body, header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header)));
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVALID_ARGUMENT') throw new ProblemError('invalid-request', error.message, {}, { cause: error });
    throw error;
  }
}

/**
 * The Open Inference Protocol (KServe V2) REST API for the classifier's model, backed by its
 * gRPC service: health, server and model metadata, model readiness and inference with JSON
 * tensors (flat or nested) and the binary tensor data extension. Registered with prefix /v2.
 */
export async function oipRoutes(app: FastifyInstance, options: OipRouteOptions): Promise<void> {
  const { classifier } = options;
  registerProtocolErrors(app, options.reporting, { notFound: true });
  // Infer bodies are JSON, or JSON followed by binary tensors (any Content-Type, as clients of
  // the binary extension differ): read them whole and parse them in the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_request, body, done) => done(null, body));

  app.get(
    '',
    {
      schema: {
        operationId: 'oipServerMetadata',
        tags: [TAG],
        summary: 'Server metadata',
        response: { 200: success('name, version and supported extensions', sharedRef('ServerMetadata')), ...oipErrors([500]) },
      },
    },
    async () => ({ name: options.serverName, version: options.serverVersion, extensions: [...OIP_EXTENSIONS] }),
  );

  app.get(
    '/health/live',
    { schema: { operationId: 'oipServerLive', tags: [TAG], summary: 'Server liveness', response: truthResponses('the server is live', 'never: a server that is not live does not answer') } },
    async (_request, reply) => answerTruth(reply, true),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        operationId: 'oipServerReady',
        tags: [TAG],
        summary: 'Server readiness: some classifier replica is ready',
        response: truthResponses('a classifier replica has its model loaded and warmed', 'no classifier replica is ready'),
      },
    },
    async (request, reply) => answerTruth(reply, await serverReady(classifier, request.scope)),
  );

  for (const versioned of [false, true]) {
    const base = versioned ? '/models/:model_name/versions/:model_version' : '/models/:model_name';
    const params = versioned ? versionPathParams : modelPathParams;
    const suffix = versioned ? 'Version' : '';
    const which = versioned ? 'a version of the model' : 'the model';

    app.get<{ Params: ModelParams }>(
      base,
      {
        schema: {
          operationId: `oipModel${suffix}Metadata`,
          tags: [TAG],
          summary: `Metadata of ${which}: its input and output tensors`,
          params,
          response: { 200: success('the model\'s tensors (-1 = variable dimension)', sharedRef('ModelMetadata')), ...oipErrors([404, 500, 503, 504]) },
        },
      },
      async (request) => modelMetadata(classifier, modelRef(request.params), request.scope),
    );

    app.get<{ Params: ModelParams }>(
      `${base}/ready`,
      {
        schema: {
          operationId: `oipModel${suffix}Ready`,
          tags: [TAG],
          summary: `Readiness of ${which}`,
          params,
          response: truthResponses('the model is served and ready', 'the model is not served here or not ready'),
        },
      },
      async (request, reply) => answerTruth(reply, await modelReady(classifier, modelRef(request.params), request.scope)),
    );

    app.post<{ Params: ModelParams }>(
      `${base}/infer`,
      {
        config: { admission: 'inference' },
        bodyLimit: options.maxBodyBytes,
        schema: {
          operationId: `oipModel${suffix}Infer`,
          tags: [TAG],
          summary: `Inference with ${which}`,
          description: `The model's one input, \`input\`, holds N crops: UINT8 [N, S, S, 3] RGB pixels (FP32 is accepted too, already in the model's own scale); its outputs are \`probabilities\` FP32 [N, 6] and \`embedding\` FP32 [N, D]. S and D are in the model's metadata; an example request for the served model is at [${INFER_EXAMPLE_PATH}](${INFER_EXAMPLE_PATH}).\n\nBinary tensor data extension: send Content-Type application/octet-stream, put the JSON first and give its length in \`Inference-Header-Content-Length\`; an input with the parameter \`binary_data_size\` takes its bytes (little-endian) from after the JSON, in input order. Ask for an output as binary with its parameter \`binary_data: true\` (or the request parameter \`binary_data_output: true\`): the answer is then application/octet-stream, JSON first with its length in \`Inference-Header-Content-Length\`, then the outputs' bytes, each output's size in its \`binary_data_size\` parameter.`,
          params,
          headers: {
            type: 'object',
            properties: {
              [INFERENCE_HEADER]: { type: 'integer', minimum: 0, description: 'binary tensor data extension: the length of the JSON part of the body, in bytes' },
            },
          },
          [DOCUMENTED_BODY]: {
            description: 'an infer request',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/InferRequest' }, examples: inferExamples() },
              'application/octet-stream': {
                schema: { type: 'string', format: 'binary', description: 'the infer request JSON (Inference-Header-Content-Length bytes), then the binary input tensors' },
              },
            },
          },
          response: {
            200: {
              description: 'the outputs: JSON, or JSON followed by binary tensors when binary outputs were asked for',
              headers: {
                ...requestIdHeader,
                [INFERENCE_HEADER]: { type: 'integer', description: 'with binary outputs: the length of the JSON part of the body' },
              },
              content: {
                'application/json': { schema: sharedRef('InferResponse') },
                'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              },
            },
            ...oipErrors([400, 404, 413, 422, 500, 503, 504]),
          },
        },
      },
      async (request, reply) => {
        const rendered = await infer(classifier, modelRef(request.params), readInferRequest(request), request.scope);
        const json = JSON.stringify(rendered.json);
        if (rendered.binary.length === 0) return reply.type('application/json').send(json);
        const header = Buffer.from(json, 'utf8');
        return reply
          .type('application/octet-stream')
          .header(INFERENCE_HEADER, String(header.length))
          .send(Buffer.concat([header, ...rendered.binary]));
      },
    );
  }
}
