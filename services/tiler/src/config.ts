import { ConfigError, int, loadConfig, logLevel, port, str, type Env } from '@skinlesion/config';
import { DEFAULT_MAX_MESSAGE_BYTES, serverTlsProblems, serverTlsSpec } from '@skinlesion/grpc-kit';
import { DEFAULT_BLOB_THREADS, MAX_BLOB_THREADS } from './parallel/blob-detector.js';

export const tilerConfigSpec = {
  host: str('TILER_HOST', { doc: 'interface to listen on', fallback: '0.0.0.0' }),
  port: port('TILER_PORT', { doc: 'gRPC port (0 = any free port)', fallback: 50051 }),
  metricsPort: port('TILER_METRICS_PORT', { doc: 'Prometheus /metrics port (0 = any free port)', fallback: 9463 }),
  maxPixels: int('TILER_MAX_PIXELS', { doc: 'largest photo in pixels, refused before its pixels are decoded', fallback: 50_000_000, min: 1 }),
  maxCandidates: int('TILER_MAX_CANDIDATES', { doc: 'most candidates cropped per photo; the largest are kept', fallback: 1000, min: 1 }),
  maxImages: int('TILER_MAX_IMAGES', { doc: 'most images in one Patch request', fallback: 256, min: 1 }),
  blobThreads: int('TILER_BLOB_THREADS', {
    doc: 'threads one blob detection runs on, the calling one included (1 = no worker thread)',
    fallback: DEFAULT_BLOB_THREADS,
    min: 1,
    max: MAX_BLOB_THREADS,
  }),
  maxMessageBytes: int('GRPC_MAX_MESSAGE_BYTES', { doc: 'largest gRPC message accepted or sent', fallback: DEFAULT_MAX_MESSAGE_BYTES, min: 1024 }),
  shutdownGraceMs: int('SHUTDOWN_GRACE_MS', { doc: 'how long in-flight calls may finish after SIGTERM', fallback: 10_000, min: 0 }),
  logLevel: logLevel(),
  // GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_CLIENT_CA_FILE, GRPC_HEALTH_PORT
  ...serverTlsSpec,
};

export type Config = ReturnType<typeof readConfig>;

export function readConfig(env: Env = process.env) {
  const config = loadConfig(tilerConfigSpec, env);
  const problems = serverTlsProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
