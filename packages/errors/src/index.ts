/**
 * Semantic error codes shared by every service. They are named after the canonical gRPC status
 * codes because those are the vocabulary both transports map from: grpc-kit turns a code into a
 * gRPC status, the gateway into an HTTP problem. Domain code throws these and knows neither.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable facts for the client, e.g. the limit that was exceeded. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export class InvalidArgumentError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', message, details, options);
    this.name = 'InvalidArgumentError';
  }
}

/** Input that is well-formed but cannot be processed, e.g. a photo too blurred to analyse. */
export class FailedPreconditionError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('FAILED_PRECONDITION', message, details, options);
    this.name = 'FailedPreconditionError';
  }
}

/** A configured limit was exceeded; `details.limit` names it. */
export class LimitExceededError extends AppError {
  constructor(limit: string, message: string, details: Record<string, unknown> = {}) {
    super('OUT_OF_RANGE', message, { limit, ...details });
    this.name = 'LimitExceededError';
  }
}

export class ResourceExhaustedError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('RESOURCE_EXHAUSTED', message, details);
    this.name = 'ResourceExhaustedError';
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('UNAVAILABLE', message, details, options);
    this.name = 'UnavailableError';
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wraps anything thrown (including non-Errors) into an Error without losing the original. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
