import { validate } from '@readme/openapi-parser';
import Fastify, { type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forSwaggerUi } from '../src/plugins/openapi.js';
import { PROBLEMS, problemType, type ProblemKind } from '../src/problems.js';
import { photoWith } from './support/fake-services.js';
import { multipart, startStack, type Stack } from './support/stack.js';

type Json = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Json;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/**
 * Kinds no route of this stack answers with: API keys and the rate limit are off in it (their
 * documents are checked in security.test.ts), no route forbids, fastify answers an unknown
 * method with 404, a 499 has no reader, and a backend's UNIMPLEMENTED reaches clients as
 * `internal`.
 */
const NOT_ANSWERED: readonly ProblemKind[] = ['unauthenticated', 'rate-limited', 'forbidden', 'method-not-allowed', 'client-closed-request', 'not-implemented'];
/** Answered for paths that are no route, so described by the document as a whole. */
const OUTSIDE_ROUTES: readonly ProblemKind[] = ['not-found'];

let stack: Stack;
let document: Json;
const routes: Array<{ method: string; url: string }> = [];

function operations(doc: Json): Operation[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op: op as Json })),
  );
}

/** fastify's route syntax to OpenAPI's: ":name(regex)" -> "{name}", "::" (a literal colon) -> ":". */
function openApiPath(url: string): string {
  const literalColon = '\u0000';
  return (
    url
      .replaceAll('::', literalColon)
      // A parameter, optionally followed by its regular expression in parentheses.
      .replace(/:(\w+)(\([^)]*\))?/g, (_match, name: string) => `{${name}}`)
      .replaceAll(literalColon, ':')
  );
}

/** A path and query built from the examples the document gives for each parameter. */
function exampleUrl({ path, op }: Operation): string {
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of (op.parameters ?? []) as Json[]) {
    if (parameter.example === undefined) continue;
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(parameter.example)));
    if (parameter.in === 'query') query.set(parameter.name, String(parameter.example));
  }
  expect(url, `${path}: a path parameter has no example`).not.toMatch(/\{/);
  return query.size > 0 ? `${url}?${query}` : url;
}

/** "#/components/schemas/X" -> "doc#/definitions/X", so fastify's validator can resolve it. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [key, key === '$ref' ? String(entry).replace('#/components/schemas/', 'doc#/definitions/') : rewriteRefs(entry)]),
  );
}

/** An example's value: inline, or fetched from the gateway when it is an externalValue. */
async function exampleValue(example: Json): Promise<unknown> {
  if (!('externalValue' in example)) return example.value;
  const response = await stack.app.inject(example.externalValue as string);
  expect(response.statusCode, example.externalValue).toBe(200);
  return response.json();
}

beforeAll(async () => {
  stack = await startStack();
  // Every route the app registers, whatever plugin registers it; hidden ones (the web page,
  // Swagger UI's own files) are not part of the API.
  stack.app.addHook('onRoute', (route: RouteOptions) => {
    if ((route.schema as Json | undefined)?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), url: route.url });
  });
  const response = await stack.app.inject('/openapi.json');
  expect(response.statusCode).toBe(200);
  document = response.json();
});
afterAll(async () => {
  await stack.close();
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it('is checked by a validator that does reject a broken document', async () => {
    const broken = structuredClone(document);
    delete broken.paths['/healthz'].get.responses['200'].description;
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('documents every route the app serves, and nothing else', () => {
    const served = routes.map((route) => `${route.method} ${openApiPath(route.url)}`).sort();
    const documented = operations(document).map(({ method, path }) => `${method} ${path}`).sort();
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(documented).toEqual(served);
  });

  it('gives every operation an id, a summary, a tag and described responses', () => {
    const ids = new Set<string>();
    for (const { method, path, op } of operations(document)) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toBeTruthy();
      expect(ids.has(op.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId);
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBe(1);
      const statuses = Object.keys(op.responses);
      expect(statuses.some((status) => status.startsWith('2')), where).toBe(true);
      expect(statuses.some((status) => /^[45]/.test(status)), where).toBe(true);
      for (const status of statuses) expect(op.responses[status].description, `${where} ${status}`).toBeTruthy();
    }
  });

  it('documents errors as problem+json on /v1 and the health routes, and as {"error"} on the protocol routes', () => {
    for (const { method, path, op } of operations(document)) {
      const protocol = path.startsWith('/v2') || path.includes(':predict');
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (!/^[45]/.test(status) || !response.content) continue;
        const types = Object.keys(response.content);
        if (protocol) expect(types, `${method} ${path} ${status}`).toEqual(['application/json']);
        else expect(types, `${method} ${path} ${status}`).toEqual(['application/problem+json']);
      }
    }
  });

  it('documents every problem kind a route can answer with, each with its stable type and an example', () => {
    const documented = new Map<string, number>();
    for (const { op } of operations(document)) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const media = response.content?.['application/problem+json'];
        if (!media) continue;
        const types: string[] = media.schema.allOf[1].properties.type.enum;
        for (const type of types) {
          documented.set(type, Number(status));
          const example = Object.values(media.examples as Json).find((entry: Json) => entry.value.type === type) as Json | undefined;
          expect(example?.value.status, type).toBe(Number(status));
        }
      }
    }
    for (const kind of Object.keys(PROBLEMS) as ProblemKind[]) {
      if (NOT_ANSWERED.includes(kind)) expect(documented.has(problemType(kind)), kind).toBe(false);
      else if (OUTSIDE_ROUTES.includes(kind)) expect(document.info.description).toContain(`| \`${kind}\` | ${PROBLEMS[kind].status} |`);
      else expect(documented.get(problemType(kind)), kind).toBe(PROBLEMS[kind].status);
    }
  });

  it('has examples that the server accepts, sent as documented', async () => {
    let sent = 0;
    for (const operation of operations(document)) {
      const url = exampleUrl(operation);
      const content: Json = operation.op.requestBody?.content ?? {};
      const requests: Array<{ payload?: Buffer | string; headers?: Record<string, string>; what: string }> = [];
      for (const [type, media] of Object.entries(content)) {
        for (const [name, example] of Object.entries((media.examples ?? {}) as Json)) {
          requests.push({ payload: JSON.stringify(await exampleValue(example)), headers: { 'content-type': type }, what: `${type} example ${name}` });
        }
      }
      // Binary bodies have no example in JSON: an upload endpoint gets one of the test's photos.
      if (content['multipart/form-data']) requests.push({ ...(await multipart([{ data: photoWith([3, 4, 5]) }])), what: 'a multipart photo' });
      if (!operation.op.requestBody) requests.push({ what: 'no body' });
      expect(requests.length, `${operation.method} ${operation.path} has a body but no example`).toBeGreaterThan(0);
      for (const request of requests) {
        const response = await stack.app.inject({ method: operation.method.toUpperCase() as 'GET', url, payload: request.payload, headers: request.headers });
        expect(response.statusCode, `${operation.method} ${url} with ${request.what}: ${response.body.slice(0, 300)}`).toBeLessThan(300);
        sent += 1;
      }
    }
    expect(sent).toBeGreaterThanOrEqual(25);
  });

  it('has examples that are valid against their own schemas', async () => {
    const checker = Fastify();
    checker.addSchema({ $id: 'doc', definitions: rewriteRefs(document.components.schemas) as Json });
    const cases: Array<{ what: string; schema: unknown; example: unknown }> = [];
    for (const [name, schema] of Object.entries(document.components.schemas as Json)) {
      for (const example of (schema.examples ?? []) as unknown[]) cases.push({ what: `components.schemas.${name}`, schema: { $ref: `#/components/schemas/${name}` }, example });
    }
    for (const { method, path, op } of operations(document)) {
      const bodies = Object.entries((op.requestBody?.content ?? {}) as Json).map(([type, media]) => [`${method} ${path} request ${type}`, media] as const);
      const answers = Object.entries(op.responses as Json).flatMap(([status, response]) =>
        Object.entries((response.content ?? {}) as Json).map(([type, media]) => [`${method} ${path} ${status} ${type}`, media] as const),
      );
      for (const [what, media] of [...bodies, ...answers]) {
        if (media.example !== undefined) cases.push({ what, schema: media.schema, example: media.example });
        for (const [name, example] of Object.entries((media.examples ?? {}) as Json)) cases.push({ what: `${what} ${name}`, schema: media.schema, example: await exampleValue(example) });
      }
    }
    cases.forEach(({ schema }, index) => checker.post(`/${index}`, { schema: { body: rewriteRefs(schema) as Json } }, async () => 'ok'));
    for (const [index, { what, example }] of cases.entries()) {
      const response = await checker.inject({ method: 'POST', url: `/${index}`, payload: example as object });
      expect(response.statusCode, `${what}: ${response.body}`).toBe(200);
    }
    expect(cases.length).toBeGreaterThanOrEqual(60);
    await checker.close();
  });

  it('shows examples for the model being served', async () => {
    const infer = document.paths['/v2/models/{model_name}/infer'].post;
    expect(infer.parameters.find((parameter: Json) => parameter.name === 'model_name').example).toBe('fake-model');
    // The crop is too large to inline: the example is served for the model's own input size.
    const example = infer.requestBody.content['application/json'].examples.uint8;
    expect(example.value).toBeUndefined();
    const input = ((await exampleValue(example)) as Json).inputs[0];
    expect(input.shape).toEqual([1, 8, 8, 3]);
    expect(input.data).toHaveLength(8 * 8 * 3);
    expect(JSON.stringify(document).length).toBeLessThan(200_000);
  });
});

describe('the docs page', () => {
  it('is Swagger UI served by the gateway itself, on the same document', async () => {
    const page = await stack.app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Every script, stylesheet and icon of the page, which must come from the gateway.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, 'an asset from elsewhere would break offline use').toMatch(/^\/docs\//);
      expect((await stack.app.inject(asset)).statusCode, asset).toBe(200);
    }
    // The one call Swagger UI makes elsewhere by default is to its online validator.
    const initializer = await stack.app.inject('/docs/static/swagger-initializer.js');
    expect(initializer.body).toContain('validatorUrl: null');
    // The same document, but for the examples too large to render, which it links to instead.
    const json = await stack.app.inject('/docs/json');
    expect(json.json()).toEqual(forSwaggerUi(document as never));
    const ui = json.json() as Json;
    expect(ui.paths['/v2/models/{model_name}/infer'].post.requestBody.content['application/json'].examples).toBeUndefined();
    expect(ui.paths['/v1/models/{model_name}:predict'].post.requestBody.content['application/json'].examples.seed).toBeDefined();
  });
});
