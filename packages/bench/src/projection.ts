import type { ProjectionRow } from './types.js';

/**
 * A bottleneck model of the system, from measured service demands (CPU seconds of work per
 * request or per crop): each stage can serve at most cores / demand per second, and a pipeline
 * runs at the pace of its slowest stage, throughput(n) = min over stages of capacity. It assumes
 * every stage gets the cores it is given (its own pods, as on a cluster), demand per request
 * that does not change with n, and a load balancer that keeps every replica busy; it ignores
 * network hops and the client. It is an upper bound, not a measurement.
 */
export interface Demands {
  /** Classifier CPU seconds per crop over gRPC (the classifier tier alone). */
  readonly classifierPerCrop: number;
  /** CPU seconds per POST /v1/classify request, per service. */
  readonly gatewayPerRequest: number;
  readonly tilerPerRequest: number;
  readonly classifierPerRequest: number;
}

export interface ProjectionOptions {
  readonly replicas: readonly number[];
  /** Cores given to the gateway and to the tiler (one each: pods not scaled with the classifier). */
  readonly gatewayCores: number;
  readonly tilerCores: number;
}

export function project(demands: Demands, options: ProjectionOptions, measured: { grpc: Map<number, number>; rest: Map<number, number> }): ProjectionRow[] {
  return options.replicas.map((replicas) => {
    const stages: [string, number][] = [
      ['gateway', options.gatewayCores / demands.gatewayPerRequest],
      ['tiler', options.tilerCores / demands.tilerPerRequest],
      ['classifier', replicas / demands.classifierPerRequest],
    ];
    const [bottleneck, capacity] = stages.reduce((low, stage) => (stage[1] < low[1] ? stage : low));
    return {
      replicas,
      grpcCropsPerSecond: replicas / demands.classifierPerCrop,
      restRequestsPerSecond: capacity,
      restBottleneck: bottleneck,
      ...(measured.grpc.has(replicas) ? { measuredGrpcCropsPerSecond: measured.grpc.get(replicas) } : {}),
      ...(measured.rest.has(replicas) ? { measuredRestRequestsPerSecond: measured.rest.get(replicas) } : {}),
    };
  });
}

/**
 * What shared cores allow whatever the replica count: every process of one request (and the
 * load generator) draws on the same `cores`, so requests/s <= cores / total CPU per request.
 */
export function sharedCoresBound(cores: number, cpuSecondsPerRequest: Readonly<Record<string, number>>): number {
  const total = Object.values(cpuSecondsPerRequest).reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
  return total > 0 ? cores / total : Number.NaN;
}
