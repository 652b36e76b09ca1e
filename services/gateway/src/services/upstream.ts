import { AppError, type ErrorCode } from '@skinlesion/errors';
import type { ServiceName } from './names.js';

/** Codes that describe the service's state, not the request: passed through as they are. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED', 'CANCELLED']);

/** Codes that blame the request: the client's fault only when the request carried client input. */
const REQUEST_FAULTS: ReadonlySet<ErrorCode> = new Set(['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE']);

/**
 * Gives a failed gRPC call its HTTP meaning. The tiler's verdict on an uploaded photo is the
 * client's business (a 4xx naming the photo); the classifier or ugly-duckling refusing what the
 * gateway built is a server fault, whatever code it used, and becomes INTERNAL.
 */
export function upstreamError(error: unknown, service: ServiceName, clientInput: boolean, context: Record<string, unknown> = {}): unknown {
  if (!(error instanceof AppError)) return error;
  const details = { ...error.details, ...context, service };
  if (TRANSIENT.has(error.code) || (clientInput && REQUEST_FAULTS.has(error.code))) {
    return new AppError(error.code, error.message, details, { cause: error });
  }
  return new AppError('INTERNAL', `${service} refused a call the gateway built: ${error.message}`, details, { cause: error });
}
