import { problemSchema, requestIdHeader } from './problems.js';
import { analysisSchema, classifyReportSchema, lesionSchema, modelSchema, photoSchema, probabilitiesSchema, readinessCheckSchema } from './rest.js';
import { inferRequestSchema, inferResponseSchema, modelMetadataSchema, oipErrorSchema, serverMetadataSchema, tensorMetadataSchema } from './oip.js';
import { predictRequestSchema, predictResponseSchema } from './predict.js';

export { problemResponses, requestIdHeader, SERVER_FAULTS, UPLOAD_PROBLEMS, PROBLEM_SCHEMA_ID } from './problems.js';

/** Every schema with an $id, registered once on the root instance; each is a named component of the OpenAPI document. */
export const SHARED_SCHEMAS = [
  problemSchema,
  probabilitiesSchema,
  modelSchema,
  photoSchema,
  lesionSchema,
  analysisSchema,
  classifyReportSchema,
  readinessCheckSchema,
  oipErrorSchema,
  serverMetadataSchema,
  tensorMetadataSchema,
  modelMetadataSchema,
  inferRequestSchema,
  inferResponseSchema,
  predictRequestSchema,
  predictResponseSchema,
] as const;

/** A reference to a shared schema, as fastify resolves it. */
export const sharedRef = (id: string) => ({ $ref: `${id}#` }) as const;

/** A success response: its schema under one media type, with the request id header (and any others). */
export function success(description: string, schema: object, mediaType = 'application/json', headers: Record<string, object> = {}): object {
  return { description, headers: { ...requestIdHeader, ...headers }, content: { [mediaType]: { schema } } };
}

/**
 * Marks a request body that is documented but checked by the handler, not by fastify (a
 * streamed multipart body, or JSON the handler parses itself). The OpenAPI plugin moves it into
 * the operation's requestBody.
 */
export const DOCUMENTED_BODY = 'x-documented-body';

declare module 'fastify' {
  interface FastifySchema {
    /** See DOCUMENTED_BODY: an OpenAPI requestBody object. */
    'x-documented-body'?: object;
  }
}
