export { callUnary, type UnaryCallOptions } from './client.js';
export { contextOf, requestIdOf, type CallContext } from './context.js';
export { HealthChecker, type HealthCheckerTransport, type ServingStatus } from './health-client.js';
export { DEFAULT_MAX_MESSAGE_BYTES, messageSizeOptions, RECONNECT_OPTIONS } from './options.js';
export { ReplicaPool } from './replica-pool.js';
export { createGrpcMetrics, startGrpcServer, type GrpcServerOptions, type RunningGrpcServer, type ServiceBinding } from './server.js';
export { onShutdownSignal } from './shutdown.js';
export { fromServiceError, grpcStatusName, toStatusObject } from './status.js';
export { unary, type HandlerDeps, type UnaryHandler } from './unary.js';
export { runGrpcService, startGrpcService, type GrpcServiceOptions, type ServiceRuntime, type StartedService } from './service-main.js';
export {
  channelCredentialsFrom,
  clientTlsMode,
  clientTlsProblems,
  clientTlsSpec,
  clientTransportFrom,
  PemFile,
  serverCredentialsFrom,
  serverTlsMode,
  serverTlsProblems,
  serverTlsSpec,
  tlsChannelOptions,
  type ClientTlsMode,
  type ClientTlsSettings,
  type ClientTransport,
  type ServerTlsMode,
  type ServerTlsSettings,
} from './tls.js';
