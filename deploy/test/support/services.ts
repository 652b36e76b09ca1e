import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientTlsSpec, serverTlsSpec } from '../../../packages/grpc-kit/src/tls.js';

/** The repository's top folder. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const repoPath = (...parts: string[]): string => path.join(REPO, ...parts);

export const SERVICE_NAMES = ['tiler', 'classifier', 'ugly-duckling', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceFacts {
  readonly name: ServiceName;
  /** The variable of the service's main port (gRPC, or HTTP for the gateway), and its default. */
  readonly portEnv: string;
  readonly port: number;
  /** The variable of the separate metrics port; the gateway serves /metrics on its HTTP port. */
  readonly metricsPortEnv?: string;
  readonly metricsPort: number;
  readonly protocol: 'grpc' | 'http';
  /** The module under services/<name>/src that reads the environment, and its loader. */
  readonly configModule: string;
  readonly loader: string;
}

/** What the services' own config.ts files say (their defaults), gathered in one place for tests. */
export const SERVICES: Readonly<Record<ServiceName, ServiceFacts>> = {
  tiler: { name: 'tiler', portEnv: 'TILER_PORT', port: 50051, metricsPortEnv: 'TILER_METRICS_PORT', metricsPort: 9463, protocol: 'grpc', configModule: 'config.ts', loader: 'readConfig' },
  classifier: {
    name: 'classifier',
    portEnv: 'CLASSIFIER_PORT',
    port: 50052,
    metricsPortEnv: 'CLASSIFIER_METRICS_PORT',
    metricsPort: 9464,
    protocol: 'grpc',
    configModule: 'config.ts',
    loader: 'loadClassifierConfig',
  },
  'ugly-duckling': {
    name: 'ugly-duckling',
    portEnv: 'UGLY_DUCKLING_PORT',
    port: 50053,
    metricsPortEnv: 'UGLY_DUCKLING_METRICS_PORT',
    metricsPort: 9465,
    protocol: 'grpc',
    configModule: 'config.ts',
    loader: 'readConfig',
  },
  gateway: { name: 'gateway', portEnv: 'PORT', port: 8080, metricsPort: 8080, protocol: 'http', configModule: 'config.ts', loader: 'loadGatewayConfig' },
};

/**
 * Variables a container may carry that no service's config reads: Node's and gRPC's own.
 * Anything else not read by the service is a typo or a leftover.
 */
const RUNTIME_VARIABLES = new Set(['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE', 'GRPC_VERBOSITY', 'GRPC_TRACE', 'GRPC_NODE_USE_ALTERNATIVE_RESOLVER']);

const namesCache = new Map<ServiceName, Promise<Set<string>>>();

/** Spec fragments of @skinlesion/grpc-kit that a service's config spreads into its own spec. */
const SPEC_FRAGMENTS: Readonly<Record<string, Readonly<Record<string, { readonly env: string }>>>> = { serverTlsSpec, clientTlsSpec };

/**
 * Every variable the service's config.ts reads, found in its source: the first argument of the
 * field helpers of @skinlesion/config (str('TILER_PORT', ...), port(...), oneOf(...)), plus
 * LOG_LEVEL for logLevel() and the variables of each grpc-kit fragment it spreads
 * (...serverTlsSpec). Reading the source keeps this true as the services change.
 */
export function configEnvNames(service: ServiceName): Promise<Set<string>> {
  let names = namesCache.get(service);
  if (!names) {
    names = readFile(repoPath('services', service, 'src', SERVICES[service].configModule), 'utf8').then((source) => {
      // A call whose first argument is an UPPER_SNAKE string literal: a field helper naming its variable.
      const found = new Set([...source.matchAll(/\b[a-zA-Z]+\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g)].map((match) => match[1]));
      if (/\blogLevel\(/.test(source)) found.add('LOG_LEVEL');
      for (const [name, fragment] of Object.entries(SPEC_FRAGMENTS)) {
        // A spread of the fragment into the spec: `...serverTlsSpec`.
        if (new RegExp(`\\.\\.\\.${name}\\b`).test(source)) for (const field of Object.values(fragment)) found.add(field.env);
      }
      return found;
    });
    namesCache.set(service, names);
  }
  return names;
}

/** Names in env that the service would ignore (not read by its config, not a runtime variable). */
export async function unknownEnvNames(service: ServiceName, env: Readonly<Record<string, string>>): Promise<string[]> {
  const known = await configEnvNames(service);
  return Object.keys(env).filter((name) => !known.has(name) && !RUNTIME_VARIABLES.has(name));
}

type Loader = (env: Record<string, string | undefined>) => unknown;

/**
 * Runs the service's own configuration loader on env: [] when it starts with these settings,
 * else the problems it would refuse to start with.
 */
export async function configProblems(service: ServiceName, env: Readonly<Record<string, string>>): Promise<string[]> {
  const facts = SERVICES[service];
  const module = (await import(repoPath('services', service, 'src', facts.configModule))) as Record<string, unknown>;
  const load = module[facts.loader] as Loader | undefined;
  if (typeof load !== 'function') return [`services/${service}/src/${facts.configModule} has no ${facts.loader}()`];
  try {
    load({ ...env });
    return [];
  } catch (error) {
    const problems = (error as { problems?: readonly string[] }).problems;
    return problems ? [...problems] : [String(error)];
  }
}

/** All of the above for one container's environment. */
export async function envProblems(service: ServiceName, env: Readonly<Record<string, string>>, where: string): Promise<string[]> {
  const unknown = (await unknownEnvNames(service, env)).map((name) => `${where}: ${name} is not read by services/${service}/src/config.ts`);
  const refused = (await configProblems(service, env)).map((problem) => `${where}: ${service} would refuse to start: ${problem}`);
  return [...unknown, ...refused];
}
