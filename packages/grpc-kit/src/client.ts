import { Metadata, type CallOptions as GrpcCallOptions, type Client, type ClientUnaryCall, type requestCallback, type ServiceError } from '@grpc/grpc-js';
import { AppError } from '@skinlesion/errors';
import { REQUEST_ID_HEADER } from '@skinlesion/logger';
import { fromServiceError } from './status.js';

export interface UnaryCallOptions {
  /** Absolute deadline; propagates as the gRPC deadline. */
  readonly deadline?: Date;
  readonly requestId?: string;
  /** Cancels the call (e.g. when the HTTP client went away). */
  readonly signal?: AbortSignal;
}

// The generated client interfaces overload each method; the last overload is (request, callback),
// which is where the request and response types are read from.
type RequestOf<F> = F extends (argument: infer Req, callback: requestCallback<infer _Res>) => ClientUnaryCall ? Req : never;
type ResponseOf<F> = F extends (argument: infer _Req, callback: requestCallback<infer Res>) => ClientUnaryCall ? Res : never;
type UnaryMethodName<C> = { [K in keyof C]: C[K] extends (...args: never[]) => ClientUnaryCall ? K : never }[keyof C] & string;

type FullUnary = (argument: unknown, metadata: Metadata, options: GrpcCallOptions, callback: requestCallback<unknown>) => ClientUnaryCall;

/** Calls one unary method and settles with its response or an AppError carrying the gRPC code. */
export function callUnary<C extends Client, M extends UnaryMethodName<C>>(
  client: C,
  method: M,
  request: RequestOf<C[M]>,
  options: UnaryCallOptions = {},
): Promise<ResponseOf<C[M]>> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AppError('CANCELLED', 'request cancelled before the call'));
      return;
    }
    const metadata = new Metadata();
    if (options.requestId) metadata.set(REQUEST_ID_HEADER, options.requestId);
    const callOptions: GrpcCallOptions = options.deadline ? { deadline: options.deadline } : {};
    const target = client.getChannel().getTarget();
    const fn = (client[method] as unknown as FullUnary).bind(client);
    const onAbort = () => call.cancel();
    const call = fn(request, metadata, callOptions, (error, response) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(fromServiceError(error as ServiceError, target));
      else resolve(response as ResponseOf<C[M]>);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
