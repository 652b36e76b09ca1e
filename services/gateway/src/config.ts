import { address, addressList, ConfigError, int, loadConfig, logLevel, port, str, type ConfigOf, type Env } from '@skinlesion/config';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@skinlesion/grpc-kit';

const MIB = 1024 * 1024;

/** Room in a gRPC message for everything beside the photo bytes (fields, framing). */
export const MESSAGE_HEADROOM_BYTES = 1 * MIB;

export const gatewayConfigSpec = {
  tilerAddr: address('TILER_ADDR', { doc: 'tiler gRPC target, host:port' }),
  classifierAddrs: addressList('CLASSIFIER_ADDRS', { doc: 'classifier replicas, comma-separated host:port list' }),
  uglyDucklingAddr: address('UGLY_DUCKLING_ADDR', { doc: 'ugly-duckling gRPC target, host:port' }),
  classifierModel: str('CLASSIFIER_MODEL', {
    doc: 'model name sent in ModelMetadata and ModelInfer; empty = the classifier\'s default model',
    fallback: '',
  }),
  port: port('PORT', { doc: 'HTTP port; 0 picks a free one', fallback: 8080 }),
  host: str('GATEWAY_HOST', { doc: 'HTTP listen address', fallback: '0.0.0.0' }),
  requestTimeoutMs: int('REQUEST_TIMEOUT_MS', { doc: 'deadline of one request in ms, propagated to every gRPC call', fallback: 60_000, min: 100, max: 3_600_000 }),
  grpcMaxMessageBytes: int('GRPC_MAX_MESSAGE_BYTES', { doc: 'gRPC send/receive message limit in bytes', fallback: DEFAULT_MAX_MESSAGE_BYTES, min: 4 * MIB, max: 2047 * MIB }),
  maxUploadBytes: int('MAX_UPLOAD_BYTES', { doc: 'bytes per uploaded photo', fallback: 25 * MIB, min: 1024, max: 1024 * MIB }),
  maxInferenceBodyBytes: int('MAX_INFERENCE_BODY_BYTES', {
    doc: 'largest body of an inference request (/v2 infer, :predict), JSON or JSON plus binary tensors, in bytes',
    fallback: 32 * MIB,
    min: 1024,
    max: 1024 * MIB,
  }),
  maxPhotos: int('MAX_PHOTOS', { doc: 'photos per request', fallback: 10, min: 1, max: 100 }),
  maxCandidates: int('MAX_CANDIDATES', { doc: 'candidate lesions analysed per photo; more are cut with truncated: true', fallback: 1000, min: 1, max: 100_000 }),
  classifyChunk: int('CLASSIFY_CHUNK', { doc: 'crops per ModelInfer call', fallback: 64, min: 1, max: 4096 }),
  readinessTimeoutMs: int('READINESS_TIMEOUT_MS', { doc: 'timeout of each grpc.health.v1 check behind /readyz, in ms', fallback: 1000, min: 50, max: 60_000 }),
  logLevel: logLevel(),
  shutdownGraceMs: int('SHUTDOWN_GRACE_MS', { doc: 'how long in-flight requests may finish after SIGTERM, in ms', fallback: 20_000, min: 0, max: 600_000 }),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSpec>;

/**
 * Reads and validates the gateway's settings once, at start-up; throws a ConfigError listing
 * every problem. The only place in the gateway that reads process.env; tests pass their own env.
 */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfigSpec, env);
  const problems: string[] = [];
  if (config.maxUploadBytes + MESSAGE_HEADROOM_BYTES > config.grpcMaxMessageBytes) {
    problems.push(
      `MAX_UPLOAD_BYTES=${config.maxUploadBytes} does not fit in one gRPC message: GRPC_MAX_MESSAGE_BYTES=${config.grpcMaxMessageBytes} must exceed it by ${MESSAGE_HEADROOM_BYTES} bytes`,
    );
  }
  // A binary infer body travels to the classifier as one gRPC message of about its own size.
  if (config.maxInferenceBodyBytes + MESSAGE_HEADROOM_BYTES > config.grpcMaxMessageBytes) {
    problems.push(
      `MAX_INFERENCE_BODY_BYTES=${config.maxInferenceBodyBytes} does not fit in one gRPC message: GRPC_MAX_MESSAGE_BYTES=${config.grpcMaxMessageBytes} must exceed it by ${MESSAGE_HEADROOM_BYTES} bytes`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
