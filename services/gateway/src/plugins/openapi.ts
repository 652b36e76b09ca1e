import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { ModelInfo } from '../domain/model-info.js';
import { PROBLEM_TYPE_BASE, PROBLEMS, ProblemError } from '../problems.js';
import { DOCUMENTED_BODY, problemResponses, success } from '../schemas/index.js';
import { PUBLIC_DIR } from '../routes/web.js';
import { INFER_EXAMPLE_PATH, inferExampleValue } from '../schemas/oip.js';

/** The OpenAPI document as @fastify/swagger builds it: plain JSON. */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };
type Operation = Record<string, unknown> & { operationId?: string; parameters?: Array<Record<string, unknown>>; requestBody?: Record<string, unknown> };

export interface OpenApiOptions {
  readonly version: string;
  /** The served model, for examples that depend on it; undefined when it cannot be known now. */
  readonly servedModel: (request: FastifyRequest) => Promise<ModelInfo | undefined>;
  /** components.securitySchemes, for the security requirements routes declare (API keys). */
  readonly securitySchemes?: Record<string, object>;
  /** Paragraphs appended to the document's description (how to authenticate, rate limits). */
  readonly notes?: readonly string[];
}

/** The page's icon, shown by Swagger UI too (its own logo when the page is not installed). */
const LOGO = new URL('favicon.svg', PUBLIC_DIR);

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const problemTable = (Object.keys(PROBLEMS) as Array<keyof typeof PROBLEMS>)
  .map((kind) => `| \`${kind}\` | ${PROBLEMS[kind].status} | ${PROBLEMS[kind].title} |`)
  .join('\n');

const DESCRIPTION = `Wide-field skin-lesion analysis (Soenksen et al. 2021) served as microservices. Research and load-testing software: **not** a medical device.

**Errors** of the /v1 analysis, classification and health API are RFC 9457 \`application/problem+json\` with a stable \`type\`, \`${PROBLEM_TYPE_BASE}<kind>\`: branch on it, never on \`title\` or \`detail\`. A 503 carries \`Retry-After\`. Every answer carries \`x-request-id\` (yours when you send an acceptable one).

| kind | status | title |
|---|---|---|
${problemTable}

**The inference protocols** speak their own error shape, \`{"error": "<message>"}\`, not problem+json: the Open Inference Protocol (KServe V2) under /v2, and TensorFlow Serving's predict under /v1/models/{name}:predict (also AI Platform's /v1/projects/{project}/models/{name}:predict).`;

const TAGS = [
  { name: 'analyses', description: 'Detection, classification and ugly-duckling ranking of the lesions on wide-field photos of one patient' },
  { name: 'classification', description: 'Whole images classified as single patches (the seed\'s cloud variant)' },
  { name: 'Open Inference Protocol', description: 'KServe V2 / Triton / MLServer REST API for the classifier model; errors are {"error": "..."}' },
  { name: 'TensorFlow Serving', description: 'TF Serving and AI Platform predict API; errors are {"error": "..."}' },
  { name: 'health', description: 'Liveness, readiness and metrics' },
  { name: 'meta', description: 'This document' },
];

/** Headers most responses carry, described once under components.headers. */
const SHARED_HEADERS: Record<string, { component: string; header: object }> = {
  'x-request-id': {
    component: 'RequestId',
    header: {
      description: "the request id: the caller's own when it sent an acceptable one (up to 128 word characters, dots, colons, dashes), else a new UUID; it names the request in every service's logs",
      schema: { type: 'string' },
    },
  },
  'retry-after': { component: 'RetryAfter', header: { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
};

/**
 * The last touches on the generated document: a request body documented on the route
 * (DOCUMENTED_BODY) becomes the operation's requestBody, and the common response headers
 * become references to one description each.
 */
function finishDocument(document: OpenApiDocument): OpenApiDocument {
  const components = (document.components ??= {}) as Record<string, Record<string, object>>;
  components.headers = Object.fromEntries(Object.values(SHARED_HEADERS).map(({ component, header }) => [component, header]));
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      if (operation[DOCUMENTED_BODY] !== undefined) {
        operation.requestBody = { required: true, ...(operation[DOCUMENTED_BODY] as object) };
        delete operation[DOCUMENTED_BODY];
      }
      for (const response of Object.values((operation.responses ?? {}) as Record<string, { headers?: Record<string, object> }>)) {
        for (const name of Object.keys(response.headers ?? {})) {
          const shared = SHARED_HEADERS[name];
          if (shared && response.headers) response.headers[name] = { $ref: `#/components/headers/${shared.component}` };
        }
      }
    }
  }
  return document;
}

/**
 * The document with the examples that depend on the served model filled in from it: the model
 * name and version in paths. Without a model (the classifier is unreachable) the document keeps
 * the embedded default model's values.
 */
export function withServedModel(document: OpenApiDocument, model: ModelInfo | undefined): OpenApiDocument {
  if (!model) return document;
  const patched = structuredClone(document);
  for (const item of Object.values(patched.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path') continue;
        if (parameter.name === 'model_name') parameter.example = model.name;
        if (parameter.name === 'model_version') parameter.example = model.version;
      }
    }
  }
  return patched;
}

/**
 * The document for Swagger UI: without the examples given by externalValue, which it would fetch
 * and render into the page (a crop of 49152 values stalls it for tens of seconds). The
 * operation's description links to them instead.
 */
export function forSwaggerUi(document: OpenApiDocument): OpenApiDocument {
  const trimmed = structuredClone(document);
  for (const item of Object.values(trimmed.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      for (const media of Object.values((operation.requestBody?.content ?? {}) as Record<string, { examples?: Record<string, object> }>)) {
        for (const [name, example] of Object.entries(media.examples ?? {})) if ('externalValue' in example) delete media.examples?.[name];
        if (media.examples && Object.keys(media.examples).length === 0) delete media.examples;
      }
    }
  }
  return trimmed;
}

/**
 * OpenAPI 3.1 generated from the route schemas (@fastify/swagger), served at /openapi.json, and
 * Swagger UI at /docs from the gateway's own files (no CDN: it works offline). Registered
 * before the routes so that every route is seen.
 */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'skinlesion API',
        version: options.version,
        description: [DESCRIPTION, ...(options.notes ?? [])].join('\n\n'),
      },
      tags: TAGS,
      // Plain JSON objects: the OpenAPI types of @fastify/swagger are not a dependency here.
      ...(options.securitySchemes ? { components: { securitySchemes: options.securitySchemes as never } } : {}),
    },
    // Shared schemas become components named by their $id (Problem, Analysis, ...).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
    transformObject: (documentObject) =>
      'openapiObject' in documentObject ? (finishDocument(documentObject.openapiObject as unknown as OpenApiDocument) as never) : documentObject.swaggerObject,
  });

  // The document of the running gateway, cached per served model (it changes only with it).
  let cached: { key: string; document: OpenApiDocument; ui: OpenApiDocument } | undefined;
  const current = async (request: FastifyRequest) => {
    const model = await options.servedModel(request);
    const key = model ? `${model.name}\n${model.version}` : '';
    if (cached?.key !== key) {
      const document = withServedModel(app.swagger() as unknown as OpenApiDocument, model);
      cached = { key, document, ui: forSwaggerUi(document) };
    }
    return cached;
  };

  // Swagger UI's document hook is synchronous: its async onRequest hook fetches the document first.
  const forUi = new WeakMap<FastifyRequest, OpenApiDocument>();
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    ...(existsSync(LOGO) ? { logo: { type: 'image/svg+xml', content: readFileSync(LOGO), href: '/', target: '_self' } } : {}),
    uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, tryItOutEnabled: false },
    // Swagger UI reads /docs/json: the document of /openapi.json, less the examples too large for it.
    uiHooks: {
      onRequest: async (request) => {
        // Its document routes: /docs/json and /docs/yaml.
        if (/\/(json|yaml)$/.test(request.url.split('?')[0])) forUi.set(request, (await current(request)).ui);
      },
    },
    transformSpecificationClone: false,
    transformSpecification: (document, request) => forUi.get(request) ?? document,
  });

  // The example too large to inline: an infer request of the served model's input size.
  app.get(INFER_EXAMPLE_PATH, { schema: { hide: true } }, async (request) => {
    const model = await options.servedModel(request);
    if (!model) throw new ProblemError('service-unavailable', 'the classifier is unavailable, so the input size of its model is unknown', { service: 'classifier' });
    return inferExampleValue(model.inputSize);
  });

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'openapi',
        tags: ['meta'],
        summary: 'This OpenAPI 3.1 document',
        description: 'Generated from the route schemas; examples that depend on the model show the model being served. Swagger UI shows it at /docs.',
        response: { 200: success('the document', { type: 'object', additionalProperties: true }), ...problemResponses(['internal'], '/openapi.json') },
      },
    },
    async (request, reply) => reply.type('application/json').send(JSON.stringify((await current(request)).document)),
  );
}

// Not encapsulated (what fastify-plugin does): @fastify/swagger must see the routes of the
// whole app, so it has to be registered on the root context, not in a child of it.
(registerOpenApi as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
