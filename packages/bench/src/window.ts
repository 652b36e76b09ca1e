import type { ServiceProcess } from '@skinlesion/stack';
import { CpuMeter } from './proc.js';
import { classifierCounters, scrape, serverSplit, type ClassifierCounters, type ServerSplit } from './prometheus.js';

export interface WindowFigures {
  /** Wall time between start() and end(), s. */
  readonly seconds: number;
  /** CPU seconds per service kind in the window: replicas of one service (classifier-1, -2) summed. */
  readonly cpuSeconds: Record<string, number>;
  /** CPU seconds of the benchmark process itself (an HTTP load generator runs in it). */
  readonly benchCpuSeconds: number;
  /** Busy CPU seconds of the whole machine, every process counted. */
  readonly machineCpuSeconds: number;
  readonly split: ServerSplit;
}

/** "classifier-2" -> "classifier": one figure per tier. */
export function serviceKind(name: string): string {
  return name.replace(/-\d+$/, '');
}

/**
 * The server side of one measured window: each service process's CPU time and the classifiers'
 * counters, read at its start and at its end.
 */
export class ServiceWindow {
  private meter?: CpuMeter;
  private before: ClassifierCounters[] = [];
  private startedAt = 0;

  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly classifiers: readonly ServiceProcess[],
  ) {}

  async start(): Promise<void> {
    this.meter = new CpuMeter(new Map(this.services.map((service) => [service.name, service.pid])));
    this.startedAt = performance.now();
    this.before = await this.counters();
  }

  async end(): Promise<WindowFigures> {
    if (this.meter === undefined) throw new Error('ServiceWindow.end() before start()');
    const seconds = (performance.now() - this.startedAt) / 1000;
    const used = this.meter.used();
    const benchCpuSeconds = this.meter.own();
    const machineCpuSeconds = this.meter.machine();
    const after = await this.counters();
    const cpuSeconds: Record<string, number> = {};
    for (const [name, value] of Object.entries(used)) cpuSeconds[serviceKind(name)] = (cpuSeconds[serviceKind(name)] ?? 0) + value;
    return { seconds, cpuSeconds, benchCpuSeconds, machineCpuSeconds, split: serverSplit(this.before, after) };
  }

  private async counters(): Promise<ClassifierCounters[]> {
    return Promise.all(
      this.classifiers.map(async (service) => {
        const port = service.ports.metricsPort;
        if (port === undefined) throw new Error(`${service.name} announced no metrics port`);
        return classifierCounters(await scrape(port));
      }),
    );
  }
}

/**
 * Cores used in the window by processes that are not part of the benchmark (other users of the
 * machine): the machine's busy time less the services', the benchmark's and `extraCpuSeconds`
 * (a load generator in another process).
 */
export function otherCores(figures: WindowFigures, extraCpuSeconds = 0): number {
  const ours = Object.values(figures.cpuSeconds).reduce((sum, value) => sum + value, 0) + figures.benchCpuSeconds + extraCpuSeconds;
  return Math.max(0, figures.machineCpuSeconds - ours) / figures.seconds;
}

/** CPU seconds per second of window, per service kind: cores in use. */
export function coresOf(figures: WindowFigures): Record<string, number> {
  return Object.fromEntries(Object.entries(figures.cpuSeconds).map(([kind, seconds]) => [kind, seconds / figures.seconds]));
}
