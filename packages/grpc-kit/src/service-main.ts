import { announceListening, createLogger, type Logger } from '@skinlesion/logger';
import { createRegistry, serveMetrics, type GrpcServerMetrics, type Registry } from '@skinlesion/metrics';
import { createGrpcMetrics, startGrpcServer, type ServiceBinding } from './server.js';
import { onShutdownSignal } from './shutdown.js';

export interface ServiceRuntime {
  readonly log: Logger;
  readonly registry: Registry;
  readonly grpcMetrics: GrpcServerMetrics;
}

export interface GrpcServiceOptions {
  /** The one name of the service: log field, metric label, folder. */
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly maxMessageBytes: number;
  readonly shutdownGraceMs: number;
  readonly logLevel: string;
  /** Loads and warms whatever the service needs; health stays NOT_SERVING until it resolves. */
  readonly setUp: (runtime: ServiceRuntime) => Promise<{ bindings: ServiceBinding[]; close?: () => Promise<void> }>;
}

export interface StartedService {
  readonly port: number;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

/**
 * The common life of a gRPC service process: logger, metrics endpoint, server bound, SERVING
 * after set-up, and on stop NOT_SERVING -> drain in-flight calls -> close. The `listening` log
 * line carries the bound ports, which the local launcher reads when ports are chosen by the OS.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<StartedService> {
  const log = createLogger(options.service, options.logLevel);
  const registry = createRegistry(options.service);
  const grpcMetrics = createGrpcMetrics(registry);
  const { bindings, close } = await options.setUp({ log, registry, grpcMetrics });
  const metricsServer = await serveMetrics(registry, options.metricsPort, options.host);
  const server = await startGrpcServer(bindings, { host: options.host, port: options.port, maxMessageBytes: options.maxMessageBytes, log });
  server.setServing(true);
  announceListening(log, { port: server.port, metricsPort: metricsServer.port });
  return {
    port: server.port,
    metricsPort: metricsServer.port,
    async stop() {
      log.info({ graceMs: options.shutdownGraceMs }, 'draining');
      await server.shutdown(options.shutdownGraceMs);
      await metricsServer.close();
      await close?.();
      log.info('stopped');
    },
  };
}

/** startGrpcService plus SIGTERM/SIGINT handling, for a service's main.ts. */
export async function runGrpcService(options: GrpcServiceOptions): Promise<void> {
  const started = await startGrpcService(options);
  onShutdownSignal(() => started.stop());
}
