import type { handleUnaryCall } from '@grpc/grpc-js';
import type { UnaryHandler } from '@skinlesion/grpc-kit';
import type { GRPCInferenceServiceHandlers } from '@skinlesion/proto';

export const OIP_METHODS = ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer'] as const;
export type OipMethod = (typeof OIP_METHODS)[number];

/** Request and response types of one RPC, as the generated service handlers declare them. */
type Signature<M extends OipMethod> = GRPCInferenceServiceHandlers[M] extends handleUnaryCall<infer Req, infer Res> ? [Req, Res] : never;
export type OipHandler<M extends OipMethod> = UnaryHandler<Signature<M>[0], Signature<M>[1]>;
export type OipHandlers = { readonly [M in OipMethod]: OipHandler<M> };
