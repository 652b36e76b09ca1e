import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  /** os.availableParallelism(): the cores this process may use. */
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverageBefore: readonly [number, number, number];
  /** The same when it ended: how much else ran meanwhile. */
  loadAverageAfter?: readonly [number, number, number];
}

/** The "model name" line of /proc/cpuinfo (os.cpus() as a fallback off Linux). */
export function cpuModel(cpuinfo?: string): string {
  const text = cpuinfo ?? readOptional('/proc/cpuinfo');
  // "model name\t: Intel(R) Xeon(R) ..." on x86; ARM kernels name it "Model" or not at all.
  const match = /^(?:model name|Model)\s*:\s*(.+)$/m.exec(text ?? '');
  return match?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = os.loadavg();
  return [round2(one), round2(five), round2(fifteen)];
}

export function describeMachine(): MachineInfo {
  return {
    cores: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: round2(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: loadAverage(),
  };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;
