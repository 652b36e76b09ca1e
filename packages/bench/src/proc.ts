import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Per-process figures from Linux's /proc, for the service processes the benchmark started: the
 * CPU time they used in a window (their service demand) and their peak resident memory.
 */

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on every mainstream kernel, asked once. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of a /proc/<pid>/stat line (all threads of the process). */
export function parseStatCpuSeconds(stat: string, ticks = clockTicks()): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), 1-based, are the 12th and 13th after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticks;
}

/** CPU seconds used so far by a process; NaN once it is gone or off Linux. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/**
 * Busy CPU seconds of the whole machine from a /proc/stat text: user, nice, system, irq, softirq
 * and steal of the aggregate "cpu" line (guest time is already inside user).
 */
export function parseMachineBusySeconds(stat: string, ticks = clockTicks()): number {
  const line = stat.split('\n').find((candidate) => candidate.startsWith('cpu '));
  if (line === undefined) return Number.NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / ticks;
}

/** Busy CPU seconds of the machine since boot, every process counted; NaN off Linux. */
export function machineBusySeconds(): number {
  try {
    return parseMachineBusySeconds(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** A kB field (VmHWM, VmRSS) of a /proc/<pid>/status text, in bytes; NaN when absent. */
export function parseStatusBytes(status: string, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

/** Peak resident set size since the process started (VmHWM), bytes; NaN once it is gone. */
export function peakRssBytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return parseStatusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
  } catch {
    return Number.NaN;
  }
}

/** This process's CPU seconds so far. */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * CPU seconds of several processes, of this one (the benchmark, "bench") and of the whole
 * machine, read together at the edges of a measured window: what is left of the machine's busy
 * time is work of processes that are not part of the benchmark.
 */
export class CpuMeter {
  private readonly start: Map<string, number>;
  private readonly ownStart = ownCpuSeconds();
  private readonly machineStart = machineBusySeconds();

  constructor(private readonly pids: ReadonlyMap<string, number | undefined>) {
    this.start = new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
  }

  /** CPU seconds each process used since the meter was made. */
  used(): Record<string, number> {
    return Object.fromEntries([...this.pids].map(([name, pid]) => [name, cpuSeconds(pid) - (this.start.get(name) ?? Number.NaN)]));
  }

  /** CPU seconds this process used since the meter was made. */
  own(): number {
    return ownCpuSeconds() - this.ownStart;
  }

  /** Busy CPU seconds of the whole machine since the meter was made. */
  machine(): number {
    return machineBusySeconds() - this.machineStart;
  }
}
