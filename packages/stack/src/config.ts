import { int, loadConfig, port, str, type Env } from '@skinlesion/config';

export const stackConfigSpec = {
  gatewayPort: port('PORT', { doc: 'gateway HTTP port', fallback: 8080 }),
  classifierReplicas: int('CLASSIFIER_REPLICAS', { doc: 'classifier processes to run', fallback: 2, min: 1, max: 64 }),
  tilerPort: port('TILER_PORT', { doc: 'tiler gRPC port (0 = any free port)', fallback: 0 }),
  uglyDucklingPort: port('UGLY_DUCKLING_PORT', { doc: 'ugly-duckling gRPC port (0 = any free port)', fallback: 0 }),
  classifierPort: port('CLASSIFIER_PORT', { doc: 'first classifier replica gRPC port, the next ones follow (0 = any free ports)', fallback: 0 }),
  host: str('STACK_HOST', { doc: 'interface every service listens on', fallback: '127.0.0.1' }),
};

export function readConfig(env: Env = process.env) {
  return loadConfig(stackConfigSpec, env);
}
