import type { ChannelOptions } from '@grpc/grpc-js';
import { clientTransportFrom, messageSizeOptions, RECONNECT_OPTIONS, ReplicaPool, type ClientTlsSettings } from '@skinlesion/grpc-kit';
import {
  loadInferenceProto,
  loadTilerProto,
  loadUglyDucklingProto,
  type GRPCInferenceServiceClient,
  type TilerClient,
  type UglyDucklingClient,
} from '@skinlesion/proto';
import { healthReadiness, type Readiness } from './services/readiness.js';

export type { GRPCInferenceServiceClient, TilerClient, UglyDucklingClient };

/**
 * Where the backends are and how to reach them. The GRPC_TLS_* settings (clientTlsSpec) apply to
 * every backend, health checks included; absent ones mean plaintext.
 */
export interface ClientTargets extends Partial<ClientTlsSettings> {
  readonly tilerAddr: string;
  readonly classifierAddrs: readonly string[];
  readonly uglyDucklingAddr: string;
  /** Explicit on our side too: gRPC's 4 MiB default is far below a photo or a crop batch. */
  readonly grpcMaxMessageBytes: number;
}

/** Everything the gateway talks to; what buildApp needs besides its options. */
export interface GatewayClients {
  readonly tiler: TilerClient;
  /**
   * The classifier replicas, balanced by least outstanding calls, retried on UNAVAILABLE; a
   * dns: entry balances over every address its name resolves to, looked up again as they change.
   */
  readonly classifiers: ReplicaPool<GRPCInferenceServiceClient>;
  readonly uglyDuckling: UglyDucklingClient;
  readonly readiness: Readiness;
  close(): void;
}

export function createClients(targets: ClientTargets): GatewayClients {
  const transport = clientTransportFrom(targets);
  const options: ChannelOptions = { ...messageSizeOptions(targets.grpcMaxMessageBytes), ...RECONNECT_OPTIONS, ...transport.channelOptions };
  const channelCredentials = transport.credentials;
  const { Tiler } = loadTilerProto();
  const { UglyDuckling } = loadUglyDucklingProto();
  const { GRPCInferenceService } = loadInferenceProto();

  const tiler = new Tiler(targets.tilerAddr, channelCredentials, options);
  const uglyDuckling = new UglyDuckling(targets.uglyDucklingAddr, channelCredentials, options);
  // A dns:///name:port entry (compose --scale, a Kubernetes headless Service) stands for every
  // replica behind the name; the pool adds the round_robin options such a channel needs.
  const classifiers = new ReplicaPool(targets.classifierAddrs, (address, balancing) => new GRPCInferenceService(address, channelCredentials, { ...options, ...balancing }));
  const readiness = healthReadiness(
    [
      { service: 'tiler', target: targets.tilerAddr },
      ...targets.classifierAddrs.map((target) => ({ service: 'classifier' as const, target })),
      { service: 'ugly-duckling', target: targets.uglyDucklingAddr },
    ],
    transport,
  );
  return {
    tiler,
    classifiers,
    uglyDuckling,
    readiness,
    close() {
      tiler.close();
      uglyDuckling.close();
      classifiers.close();
      readiness.close();
    },
  };
}
