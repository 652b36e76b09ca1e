import { unary, type ServiceBinding, type ServiceRuntime } from '@skinlesion/grpc-kit';
import { Histogram, LATENCY_BUCKETS_SECONDS } from '@skinlesion/metrics';
import { loadTilerProto } from '@skinlesion/proto';
import type { Config } from './config.js';
import { callingThreadBlobDetector, type BlobDetector } from './domain/blobs.js';
import { patchHandler } from './handlers/patch.js';
import { renderHandler } from './handlers/render.js';
import { tileHandler } from './handlers/tile.js';

export const GRPC_SERVICE = 'skinlesion.tiler.v1.Tiler';

/** `blobDetector` runs step 1's detection; its owner closes it. */
export function tilerBinding(
  runtime: ServiceRuntime,
  config: Pick<Config, 'maxPixels' | 'maxCandidates' | 'maxImages'>,
  blobDetector: Pick<BlobDetector, 'detect'> = callingThreadBlobDetector(),
): ServiceBinding {
  const proto = loadTilerProto();
  const stageSeconds = new Histogram({
    name: 'tiler_stage_seconds',
    help: 'Time spent in each step of tiling one photo',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [runtime.registry],
  });
  const candidatesPerPhoto = new Histogram({
    name: 'tiler_candidates_per_photo',
    help: 'Candidate lesions found in one photo',
    buckets: [0, 1, 5, 10, 25, 50, 100, 200, 400, 1000],
    registers: [runtime.registry],
  });
  const deps = { log: runtime.log, metrics: runtime.grpcMetrics, grpcService: GRPC_SERVICE };
  return {
    name: GRPC_SERVICE,
    definition: proto.Tiler.service,
    implementation: {
      Tile: unary('Tile', tileHandler({ ...config, stageSeconds, candidatesPerPhoto, blobDetector }), deps),
      Patch: unary('Patch', patchHandler(config), deps),
      Render: unary('Render', renderHandler(config), deps),
    },
  };
}
