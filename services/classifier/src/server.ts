import type { ServerCredentials } from '@grpc/grpc-js';
import { startGrpcServer, unary, type RunningGrpcServer } from '@skinlesion/grpc-kit';
import type { Logger } from '@skinlesion/logger';
import type { GrpcServerMetrics } from '@skinlesion/metrics';
import { loadInferenceProto } from '@skinlesion/proto';
import { OIP_METHODS, type OipHandlers } from './handlers/index.js';

/** Fully qualified name of the Open Inference Protocol service, also its grpc.health.v1 key. */
export const OIP_SERVICE = 'inference.GRPCInferenceService';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  readonly metrics: GrpcServerMetrics;
  /** TLS or mutual TLS (serverCredentialsFrom); plaintext when absent. */
  readonly credentials?: ServerCredentials;
  /** A plaintext port serving grpc.health.v1 only, for probes that cannot speak TLS. */
  readonly healthPort?: number;
}

/**
 * Binds the Open Inference Protocol service and grpc.health.v1 (NOT_SERVING until the caller
 * calls setServing(true)) on host:port; port 0 picks a free one.
 */
export async function startServer(handlers: OipHandlers, options: ServerOptions): Promise<RunningGrpcServer> {
  const deps = { log: options.log, metrics: options.metrics, grpcService: OIP_SERVICE };
  const implementation = Object.fromEntries(
    OIP_METHODS.map((method) => [method, unary(method, handlers[method] as Parameters<typeof unary>[1], deps)]),
  );
  const { GRPCInferenceService } = loadInferenceProto();
  return startGrpcServer([{ name: OIP_SERVICE, definition: GRPCInferenceService.service, implementation }], {
    host: options.host,
    port: options.port,
    maxMessageBytes: options.maxMessageBytes,
    log: options.log,
    credentials: options.credentials,
    healthPort: options.healthPort,
  });
}
