import { status as GrpcStatus, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { isAppError } from '@skinlesion/errors';
import type { Logger } from '@skinlesion/logger';
import type { GrpcServerMetrics } from '@skinlesion/metrics';
import { contextOf, type CallContext } from './context.js';
import { grpcStatusName, toStatusObject } from './status.js';

export type UnaryHandler<Req, Res> = (request: Req, context: CallContext) => Promise<Res>;

export interface HandlerDeps {
  readonly log: Logger;
  readonly metrics: GrpcServerMetrics;
  /** Fully qualified gRPC service name, e.g. skinlesion.tiler.v1.Tiler. */
  readonly grpcService: string;
}

/**
 * Adapts a promise-returning handler to grpc-js: request id and cancellation in, typed errors out
 * as gRPC status codes, one count and latency observation per call.
 */
export function unary<Req, Res>(method: string, handler: UnaryHandler<Req, Res>, deps: HandlerDeps): handleUnaryCall<Req, Res> {
  const labels = { grpc_service: deps.grpcService, grpc_method: method };
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const context = contextOf(call as ServerUnaryCall<unknown, unknown>, deps.log, method);
    const stopTimer = deps.metrics.handlingSeconds.startTimer(labels);
    deps.metrics.inFlight.inc(labels);
    const finish = (code: GrpcStatus) => {
      stopTimer();
      deps.metrics.inFlight.dec(labels);
      deps.metrics.handled.inc({ ...labels, grpc_code: grpcStatusName(code) });
    };
    handler(call.request, context).then(
      (response) => {
        finish(GrpcStatus.OK);
        callback(null, response);
      },
      (error: unknown) => {
        const statusObject = context.signal.aborted ? { code: GrpcStatus.CANCELLED, details: 'cancelled' } : toStatusObject(error);
        if (!isAppError(error) && !context.signal.aborted) context.log.error({ err: error }, 'handler failed');
        else context.log.debug({ code: grpcStatusName(statusObject.code), reason: statusObject.details }, 'request refused');
        finish(statusObject.code);
        callback(statusObject, null);
      },
    );
  };
}
