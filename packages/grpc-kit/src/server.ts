import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '@skinlesion/logger';
import { grpcServerMetrics, type GrpcServerMetrics, type Registry } from '@skinlesion/metrics';
import { messageSizeOptions } from './options.js';

export interface ServiceBinding {
  /** Fully qualified name, also the grpc.health.v1 service key, e.g. skinlesion.tiler.v1.Tiler. */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
  readonly log: Logger;
  /** Transport security of the port (see serverCredentialsFrom); plaintext when absent. */
  readonly credentials?: ServerCredentials;
  /**
   * A second, plaintext port serving grpc.health.v1 only (0 = any free port), for probes that
   * cannot speak TLS or present a client certificate, as the kubelet's cannot. The services
   * themselves stay on the main port only.
   */
  readonly healthPort?: number;
}

export interface RunningGrpcServer {
  readonly port: number;
  /** The bound plaintext health-only port, when one was asked for. */
  readonly healthPort?: number;
  /** Flips grpc.health.v1 for the whole server ("") and every bound service. */
  setServing(serving: boolean): void;
  /** NOT_SERVING, then let in-flight calls finish for up to graceMs, then force-close. */
  shutdown(graceMs: number): Promise<void>;
}

/** Creates the metrics every gRPC server exports; call once per process. */
export function createGrpcMetrics(registry: Registry): GrpcServerMetrics {
  return grpcServerMetrics(registry);
}

/**
 * Binds the services plus grpc.health.v1, NOT_SERVING until the caller says it is ready: health
 * that says SERVING before the model is loaded is the mistake this avoids.
 */
export async function startGrpcServer(bindings: readonly ServiceBinding[], options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({ ...messageSizeOptions(options.maxMessageBytes) });
  const names = ['', ...bindings.map((binding) => binding.name)];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, 'NOT_SERVING' as const])));
  health.addToServer(server);
  for (const binding of bindings) server.addService(binding.definition, binding.implementation);

  const port = await bind(server, options.host, options.port, options.credentials ?? ServerCredentials.createInsecure());
  let healthServer: Server | undefined;
  let healthPort: number | undefined;
  if (options.healthPort !== undefined) {
    healthServer = new Server();
    health.addToServer(healthServer);
    try {
      healthPort = await bind(healthServer, options.host, options.healthPort, ServerCredentials.createInsecure());
    } catch (error) {
      server.forceShutdown();
      throw error;
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    healthPort,
    setServing(serving) {
      for (const name of names) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
    },
    shutdown(graceMs) {
      stopping ??= new Promise<void>((resolve) => {
        for (const name of names) health.setStatus(name, 'NOT_SERVING');
        // The health port keeps answering NOT_SERVING while the calls drain, then goes too.
        const done = () => {
          healthServer?.forceShutdown();
          resolve();
        };
        const force = setTimeout(() => {
          options.log.warn({ graceMs }, 'drain deadline passed: closing remaining calls');
          server.forceShutdown();
          done();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          done();
        });
      });
      return stopping;
    },
  };
}

function bind(server: Server, host: string, port: number, credentials: ServerCredentials): Promise<number> {
  // An IPv6 literal needs brackets before the port.
  const literal = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(`${literal}:${port}`, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
}
