import { fileURLToPath } from 'node:url';
import { ServiceProcess } from './service-process.js';

export const SERVICE_NAMES = ['tiler', 'classifier', 'ugly-duckling', 'gateway'] as const;

/** The variable each service reads its listening port from, which restart() pins. */
const PORT_VARIABLES: Readonly<Record<(typeof SERVICE_NAMES)[number], string>> = {
  tiler: 'TILER_PORT',
  classifier: 'CLASSIFIER_PORT',
  'ugly-duckling': 'UGLY_DUCKLING_PORT',
  gateway: 'PORT',
};

export interface StackOptions {
  readonly classifierReplicas: number;
  /** Gateway HTTP port; 0 = any free port. */
  readonly gatewayPort: number;
  /** Fixed ports for the internal services; 0 or absent = any free port. */
  readonly tilerPort?: number;
  readonly uglyDucklingPort?: number;
  /** Port of the first classifier replica; replica i listens on classifierPort + i. */
  readonly classifierPort?: number;
  /** Host the services listen on; loopback by default, since this runs them on one machine. */
  readonly host?: string;
  /** Extra environment for every service (e.g. LOG_LEVEL, MODEL_DIR). */
  readonly env?: Readonly<Record<string, string>>;
  readonly output?: NodeJS.WritableStream;
  readonly startTimeoutMs?: number;
}

/**
 * The running system. Each member is the same ServiceProcess object for the stack's whole life:
 * after a member's stop() or kill(), its restart() brings it back on the same port, where the
 * gateway (and the tests' clients) still point.
 */
export interface Stack {
  readonly url: string;
  readonly gateway: ServiceProcess;
  readonly tiler: ServiceProcess;
  readonly uglyDuckling: ServiceProcess;
  readonly classifiers: readonly ServiceProcess[];
  readonly all: readonly ServiceProcess[];
  stop(): Promise<void>;
}

/** services/<name>/dist/main.js, found from this file's place in the repository. */
export function serviceEntry(name: (typeof SERVICE_NAMES)[number]): string {
  return fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
}

/**
 * Starts the whole system as separate processes on loopback: tiler, N classifier replicas and
 * ugly-duckling first (their ports read back from their `listening` lines), then the gateway
 * pointed at them. Any failure stops what was started.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const common = { LOG_LEVEL: 'info', ...options.env };
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const started: ServiceProcess[] = [];
  const start = async (name: string, service: (typeof SERVICE_NAMES)[number], env: Record<string, string>) => {
    const process = await ServiceProcess.start({
      name,
      entry: serviceEntry(service),
      env: { ...common, ...env },
      output: options.output,
      startTimeoutMs,
      portVariable: PORT_VARIABLES[service],
    });
    started.push(process);
    return process;
  };
  try {
    const [tiler, uglyDuckling, ...classifiers] = await Promise.all([
      start('tiler', 'tiler', { TILER_HOST: host, TILER_PORT: String(options.tilerPort ?? 0), TILER_METRICS_PORT: '0' }),
      start('ugly-duckling', 'ugly-duckling', { UGLY_DUCKLING_HOST: host, UGLY_DUCKLING_PORT: String(options.uglyDucklingPort ?? 0), UGLY_DUCKLING_METRICS_PORT: '0' }),
      ...Array.from({ length: options.classifierReplicas }, (_, i) =>
        start(`classifier-${i + 1}`, 'classifier', {
          CLASSIFIER_HOST: host,
          CLASSIFIER_PORT: String(options.classifierPort ? options.classifierPort + i : 0),
          CLASSIFIER_METRICS_PORT: '0',
        }),
      ),
    ]);
    const target = (service: ServiceProcess) => `${host.includes(':') ? `[${host}]` : host}:${service.ports.port}`;
    const gateway = await start('gateway', 'gateway', {
      GATEWAY_HOST: host,
      PORT: String(options.gatewayPort),
      TILER_ADDR: target(tiler),
      UGLY_DUCKLING_ADDR: target(uglyDuckling),
      CLASSIFIER_ADDRS: classifiers.map(target).join(','),
    });
    const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return {
      url: `http://${urlHost}:${gateway.ports.port}`,
      gateway,
      tiler,
      uglyDuckling,
      classifiers,
      all: started,
      // The gateway goes first so no new work reaches services that are draining.
      async stop() {
        await gateway.stop();
        await Promise.all(started.filter((service) => service !== gateway).map((service) => service.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.kill()));
    throw error;
  }
}
