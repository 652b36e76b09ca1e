import { serviceEntry, ServiceProcess, startStack, type Stack } from '@skinlesion/stack';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
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

/**
 * Confines every thread of a process to one core (taskset -a), as a pod with a CPU limit of one
 * core is confined by its quota. Returns false where taskset is missing or refuses.
 */
export function pinToCore(pid: number, core: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Lone classifier processes on loopback (no gateway): the classifier tier measured alone. With
 * `pin`, replica i runs on core i mod cores: a replica is then a 1-CPU pod, whose worker and
 * event-loop threads share its one core instead of spreading over every core of the machine.
 */
export async function startClassifiers(count: number, modelDir: string, env: Record<string, string> = {}, pin = false): Promise<ServiceProcess[]> {
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
      if (pin && service.pid !== undefined && !pinToCore(service.pid, i % availableParallelism())) throw new Error(`could not pin ${service.name} to a core (taskset)`);
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
