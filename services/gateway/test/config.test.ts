import { ConfigError } from '@skinlesion/config';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';

const required = {
  TILER_ADDR: 'localhost:50051',
  CLASSIFIER_ADDRS: '127.0.0.1:50061, 127.0.0.1:50062',
  UGLY_DUCKLING_ADDR: '[::1]:50071',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadGatewayConfig(required);
    expect(config).toMatchObject({
      tilerAddr: 'localhost:50051',
      classifierAddrs: ['127.0.0.1:50061', '127.0.0.1:50062'],
      uglyDucklingAddr: '[::1]:50071',
      classifierModel: '',
      port: 8080,
      host: '0.0.0.0',
      requestTimeoutMs: 60_000,
      grpcMaxMessageBytes: 64 * 1024 * 1024,
      maxUploadBytes: 25 * 1024 * 1024,
      maxInferenceBodyBytes: 32 * 1024 * 1024,
      maxPhotos: 10,
      maxCandidates: 1000,
      classifyChunk: 64,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadGatewayConfig({
      ...required,
      CLASSIFIER_MODEL: 'spl-mobilenet',
      PORT: '0',
      GATEWAY_HOST: '127.0.0.1',
      REQUEST_TIMEOUT_MS: '1500',
      GRPC_MAX_MESSAGE_BYTES: String(128 * 1024 * 1024),
      MAX_UPLOAD_BYTES: '1048576',
      MAX_INFERENCE_BODY_BYTES: '2097152',
      MAX_PHOTOS: '3',
      MAX_CANDIDATES: '50',
      CLASSIFY_CHUNK: '16',
      READINESS_TIMEOUT_MS: '250',
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_MS: '5000',
    });
    expect(config).toMatchObject({
      classifierModel: 'spl-mobilenet',
      port: 0,
      host: '127.0.0.1',
      requestTimeoutMs: 1500,
      grpcMaxMessageBytes: 128 * 1024 * 1024,
      maxUploadBytes: 1_048_576,
      maxInferenceBodyBytes: 2_097_152,
      maxPhotos: 3,
      maxCandidates: 50,
      classifyChunk: 16,
      readinessTimeoutMs: 250,
      logLevel: 'debug',
      shutdownGraceMs: 5000,
    });
  });

  it('lists every missing and malformed variable at once', () => {
    const problems = problemsOf({
      CLASSIFIER_ADDRS: 'localhost:1,nope',
      PORT: '80800',
      MAX_PHOTOS: '0',
      CLASSIFY_CHUNK: 'lots',
      LOG_LEVEL: 'loud',
    });
    const keys = ['TILER_ADDR', 'UGLY_DUCKLING_ADDR', 'CLASSIFIER_ADDRS', 'PORT', 'MAX_PHOTOS', 'CLASSIFY_CHUNK', 'LOG_LEVEL'];
    expect(problems).toHaveLength(keys.length);
    for (const key of keys) expect(problems.some((problem) => problem.startsWith(key))).toBe(true);
  });

  it('refuses a photo limit that cannot fit in one gRPC message', () => {
    const problems = problemsOf({ ...required, MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/MAX_UPLOAD_BYTES.*GRPC_MAX_MESSAGE_BYTES/);
  });

  it('refuses an inference body limit that cannot fit in one gRPC message', () => {
    const problems = problemsOf({ ...required, MAX_INFERENCE_BODY_BYTES: String(64 * 1024 * 1024) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/MAX_INFERENCE_BODY_BYTES.*GRPC_MAX_MESSAGE_BYTES/);
  });
});
