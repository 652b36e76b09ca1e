import type { FastifySchema, RouteOptions } from 'fastify';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, type ProblemKind } from '../problems.js';
import { problemHeaders, problemResponses, requestIdHeader } from './problems.js';

type DocumentedSchema = FastifySchema & { hide?: boolean; security?: unknown; response?: Record<string, unknown> };

/** Whether a route's documented error answers are problem+json (else the protocols' {"error"}). */
function answersProblems(response: Record<string, unknown>): boolean {
  return Object.values(response).some((entry) => PROBLEM_CONTENT_TYPE in ((entry as { content?: object }).content ?? {}));
}

/** One error answer in the inference protocols' shape, as their routes document theirs. */
function protocolResponse(kind: ProblemKind): object {
  return {
    description: `\`${kind}\`: ${PROBLEMS[kind].title}. The body is the protocol's {"error": "<message>"}, not problem+json.`,
    headers: { ...requestIdHeader, ...problemHeaders(kind) },
    content: { 'application/json': { schema: { $ref: 'OipError#' } } },
  };
}

/**
 * Documents answers that a root-level hook gives for a route (401, 429) on that route, in the
 * error shape its own answers have, and the security requirement that goes with them. Meant for
 * an onRoute hook: the route's schema is replaced, not changed, since routes may share one
 * schema object. Routes without a documented schema (hidden ones, Swagger UI's files) are left
 * alone.
 */
export function documentRouteErrors(route: RouteOptions, kinds: readonly ProblemKind[], security?: ReadonlyArray<Record<string, string[]>>): void {
  const schema = route.schema as DocumentedSchema | undefined;
  if (!schema?.response || schema.hide) return;
  const added = answersProblems(schema.response)
    ? problemResponses(kinds, route.url)
    : Object.fromEntries(kinds.map((kind) => [String(PROBLEMS[kind].status), protocolResponse(kind)]));
  route.schema = {
    ...schema,
    ...(security ? { security } : {}),
    response: { ...schema.response, ...added },
  } as FastifySchema;
}
