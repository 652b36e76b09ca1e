import { serviceEntry, ServiceProcess, startStack, type Stack } from '@skinlesion/stack';
import { track } from './children.js';

/** Environment every benchmarked classifier gets: the ONNX model folder on ONNX Runtime. */
function classifierEnv(modelDir: string): Record<string, string> {
  return { MODEL_DIR: modelDir, CLASSIFIER_RUNTIME: 'onnx', LOG_LEVEL: 'warn' };
}

/** The whole system as processes on loopback, classifiers on ONNX Runtime, logs dropped. */
export async function startBenchStack(replicas: number, modelDir: string): Promise<Stack> {
  const stack = await startStack({ classifierReplicas: replicas, gatewayPort: 0, host: '127.0.0.1', env: classifierEnv(modelDir), startTimeoutMs: 120_000 });
  const untrack = track(() => Promise.all(stack.all.map((service) => service.kill())));
  return {
    ...stack,
    stop: async () => {
      await stack.stop();
      untrack();
    },
  };
}

/** Lone classifier processes on loopback (no gateway): the classifier tier measured alone. */
export async function startClassifiers(count: number, modelDir: string, env: Record<string, string> = {}): Promise<ServiceProcess[]> {
  const started: ServiceProcess[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const service = await ServiceProcess.start({
        name: `classifier-${i + 1}`,
        entry: serviceEntry('classifier'),
        env: { ...classifierEnv(modelDir), CLASSIFIER_HOST: '127.0.0.1', CLASSIFIER_PORT: '0', CLASSIFIER_METRICS_PORT: '0', ...env },
        startTimeoutMs: 120_000,
      });
      const untrack = track(() => service.kill());
      void service.whenExited().then(untrack);
      started.push(service);
    }
    return started;
  } catch (error) {
    await Promise.all(started.map((service) => service.kill()));
    throw error;
  }
}

export function grpcTarget(service: ServiceProcess): string {
  return `127.0.0.1:${service.ports.port}`;
}

export function metricsPortOf(service: ServiceProcess): number {
  const port = service.ports.metricsPort;
  if (port === undefined) throw new Error(`${service.name} announced no metrics port`);
  return port;
}
