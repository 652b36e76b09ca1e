import { unary, type ServiceBinding, type ServiceRuntime } from '@skinlesion/grpc-kit';
import { Histogram } from '@skinlesion/metrics';
import { loadUglyDucklingProto, type ScoreRequest__Output, type ScoreResponse } from '@skinlesion/proto';
import { scoreHandler } from './handlers/score.js';

export const GRPC_SERVICE = 'skinlesion.ugly_duckling.v1.UglyDuckling';

export function uglyDucklingBinding(runtime: ServiceRuntime, maxLesions: number): ServiceBinding {
  const proto = loadUglyDucklingProto();
  const lesionsPerRequest = new Histogram({
    name: 'ugly_duckling_lesions_per_request',
    help: 'Pigmented lesions scored together in one request',
    buckets: [0, 3, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [runtime.registry],
  });
  const deps = { log: runtime.log, metrics: runtime.grpcMetrics, grpcService: GRPC_SERVICE };
  return {
    name: GRPC_SERVICE,
    definition: proto.UglyDuckling.service,
    implementation: {
      Score: unary<ScoreRequest__Output, ScoreResponse>('Score', scoreHandler({ maxLesions, lesionsPerRequest }), deps),
    },
  };
}
