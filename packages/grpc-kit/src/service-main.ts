import { announceListening, createLogger, type Logger } from '@skinlesion/logger';
import { createRegistry, serveMetrics, type GrpcServerMetrics, type Registry } from '@skinlesion/metrics';
import { createGrpcMetrics, startGrpcServer, type ServiceBinding } from './server.js';
import { onShutdownSignal } from './shutdown.js';
import { serverCredentialsFrom, serverTlsMode, type ServerTlsSettings } from './tls.js';

export interface ServiceRuntime {
  readonly log: Logger;
  readonly registry: Registry;
  readonly grpcMetrics: GrpcServerMetrics;
}

/** The service's config spread in carries the serverTlsSpec settings; absent ones mean plaintext. */
export interface GrpcServiceOptions extends Partial<ServerTlsSettings> {
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
  /** The plaintext health-only port, when GRPC_HEALTH_PORT asked for one. */
  readonly healthPort?: number;
  stop(): Promise<void>;
}

/**
 * The common life of a gRPC service process: logger, metrics endpoint, server bound, SERVING
 * after set-up, and on stop NOT_SERVING -> drain in-flight calls -> close. The `listening` log
 * line carries the bound ports, which the local launcher reads when ports are chosen by the OS.
 */
export async function startGrpcService(options: GrpcServiceOptions): Promise<StartedService> {
  // Before set-up, which may take seconds: settings that cannot work fail the start at once.
  const credentials = serverCredentialsFrom(options);
  const log = createLogger(options.service, options.logLevel);
  const registry = createRegistry(options.service);
  const grpcMetrics = createGrpcMetrics(registry);
  const { bindings, close } = await options.setUp({ log, registry, grpcMetrics });
  const metricsServer = await serveMetrics(registry, options.metricsPort, options.host);
  const server = await startGrpcServer(bindings, {
    host: options.host,
    port: options.port,
    maxMessageBytes: options.maxMessageBytes,
    log,
    credentials,
    healthPort: options.grpcHealthPort ?? undefined,
  });
  server.setServing(true);
  announceListening(log, { port: server.port, metricsPort: metricsServer.port, healthPort: server.healthPort, tls: serverTlsMode(options) });
  return {
    port: server.port,
    metricsPort: metricsServer.port,
    healthPort: server.healthPort,
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
