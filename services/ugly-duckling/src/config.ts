import { ConfigError, int, loadConfig, logLevel, port, str, type Env } from '@skinlesion/config';
import { DEFAULT_MAX_MESSAGE_BYTES, serverTlsProblems, serverTlsSpec } from '@skinlesion/grpc-kit';

export const uglyDucklingConfigSpec = {
  host: str('UGLY_DUCKLING_HOST', { doc: 'interface to listen on', fallback: '0.0.0.0' }),
  port: port('UGLY_DUCKLING_PORT', { doc: 'gRPC port (0 = any free port)', fallback: 50053 }),
  metricsPort: port('UGLY_DUCKLING_METRICS_PORT', { doc: 'Prometheus /metrics port (0 = any free port)', fallback: 9465 }),
  maxLesions: int('UGLY_DUCKLING_MAX_LESIONS', { doc: 'most lesions scored in one request', fallback: 20_000, min: 3 }),
  maxMessageBytes: int('GRPC_MAX_MESSAGE_BYTES', { doc: 'largest gRPC message accepted or sent', fallback: DEFAULT_MAX_MESSAGE_BYTES, min: 1024 }),
  shutdownGraceMs: int('SHUTDOWN_GRACE_MS', { doc: 'how long in-flight calls may finish after SIGTERM', fallback: 10_000, min: 0 }),
  logLevel: logLevel(),
  // GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_TLS_CLIENT_CA_FILE, GRPC_HEALTH_PORT
  ...serverTlsSpec,
};

export type Config = ReturnType<typeof readConfig>;

export function readConfig(env: Env = process.env) {
  const config = loadConfig(uglyDucklingConfigSpec, env);
  const problems = serverTlsProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
