import { status as GrpcStatus, Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { AppError, type ErrorCode } from '@skinlesion/errors';

const CODE_TO_STATUS: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  OUT_OF_RANGE: GrpcStatus.OUT_OF_RANGE,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  CANCELLED: GrpcStatus.CANCELLED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  INTERNAL: GrpcStatus.INTERNAL,
};

const STATUS_TO_CODE = new Map<GrpcStatus, ErrorCode>(
  Object.entries(CODE_TO_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/** Error details travel as one JSON trailer so the gateway can name e.g. the exceeded limit. */
const DETAILS_KEY = 'skinlesion-error-details';

export function grpcStatusName(code: GrpcStatus): string {
  return GrpcStatus[code] ?? String(code);
}

/** Turns anything a handler threw into a status; only AppErrors expose their message. */
export function toStatusObject(error: unknown): Partial<StatusObject> & { code: GrpcStatus } {
  if (error instanceof AppError) {
    const metadata = new Metadata();
    if (Object.keys(error.details).length > 0) metadata.set(DETAILS_KEY, JSON.stringify(error.details));
    return { code: CODE_TO_STATUS[error.code], details: error.message, metadata };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error' };
}

/** The reverse mapping, for clients: a failed call becomes an AppError with the server's code. */
export function fromServiceError(error: ServiceError, target: string): AppError {
  // OK, UNKNOWN, ABORTED, DATA_LOSS: nothing a caller can act on, so an internal fault.
  const code = STATUS_TO_CODE.get(error.code) ?? 'INTERNAL';
  let details: Record<string, unknown> = {};
  const raw = error.metadata?.get(DETAILS_KEY)[0];
  if (typeof raw === 'string') {
    try {
      details = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // A malformed trailer only loses the extra details, never the error itself.
    }
  }
  return new AppError(code, error.details || grpcStatusName(error.code), { ...details, upstream: target, grpcCode: grpcStatusName(error.code) }, { cause: error });
}
