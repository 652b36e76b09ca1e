import { credentials, makeClientConstructor, status as GrpcStatus, type ChannelCredentials, type ChannelOptions, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { messageSizeOptions, RECONNECT_OPTIONS } from './options.js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

interface HealthClient extends Client {
  check(request: { service: string }, options: { deadline: Date }, callback: (error: ServiceError | null, response?: { status: string | number }) => void): void;
}

const HealthClientConstructor = makeClientConstructor(healthService as unknown as ServiceDefinition, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  creds: ChannelCredentials,
  options?: ChannelOptions,
) => HealthClient;

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** How to reach the target: the same credentials and TLS options as the service's own clients. */
export interface HealthCheckerTransport {
  /** Plaintext when absent. */
  readonly credentials?: ChannelCredentials;
  /** Added to the checker's own, e.g. grpc.ssl_target_name_override from tlsChannelOptions. */
  readonly channelOptions?: ChannelOptions;
}

/** A grpc.health.v1 checker for one target; keeps its channel open between checks. */
export class HealthChecker {
  private readonly client: HealthClient;

  constructor(
    readonly target: string,
    transport: HealthCheckerTransport = {},
  ) {
    this.client = new HealthClientConstructor(target, transport.credentials ?? credentials.createInsecure(), {
      ...messageSizeOptions(1024 * 1024),
      ...RECONNECT_OPTIONS,
      ...transport.channelOptions,
    });
  }

  check(service = '', timeoutMs = 1000): Promise<ServingStatus> {
    return new Promise((resolve) => {
      this.client.check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (error, response) => {
        if (error || !response) {
          // NOT_FOUND is the health service's own answer for a name it does not know.
          resolve(error?.code === GrpcStatus.NOT_FOUND ? 'SERVICE_UNKNOWN' : 'UNREACHABLE');
          return;
        }
        const status = typeof response.status === 'number' ? STATUS_NAMES[response.status] ?? 'UNKNOWN' : response.status;
        resolve(status as ServingStatus);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
