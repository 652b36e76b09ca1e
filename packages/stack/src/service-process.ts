import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcessOptions {
  /** Service name and instance, e.g. classifier-1; used to prefix forwarded output. */
  readonly name: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where child log lines go; undefined drops them (tests), process.stdout shows them. */
  readonly output?: NodeJS.WritableStream;
  readonly startTimeoutMs: number;
  /**
   * The variable that sets the port the service listens on (e.g. TILER_PORT). restart() sets it
   * to the port the first run bound, so that clients configured with that address find the
   * service again; without it a restarted service may take any port its env says.
   */
  readonly portVariable?: string;
}

export interface ListeningPorts {
  readonly port: number;
  readonly metricsPort?: number;
}

/** One run of the service's program, from spawn to exit. */
interface Run {
  readonly child: ChildProcess;
  readonly ports: ListeningPorts;
  readonly exited: Promise<number | null>;
}

/** Children still running, killed when this process exits so that none outlives its launcher. */
const live = new Set<ChildProcess>();
let reaperInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (reaperInstalled) return;
  reaperInstalled = true;
  // 'exit' handlers must be synchronous: kill() only sends the signal, which is all that is needed.
  process.once('exit', () => {
    for (const orphan of live) orphan.kill('SIGKILL');
  });
}

/**
 * Spawns the program and resolves once it logged its `listening` line (a JSON log record with
 * msg "listening" and the bound port); rejects, having killed it, when it exits or stays silent
 * for startTimeoutMs.
 */
function spawnRun(options: ServiceProcessOptions): Promise<Run> {
  const child = spawn(process.execPath, [options.entry], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    options.output?.write(`${options.name} | ${line}\n`);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start: ${reason}${stderrTail.length ? `\n${stderrTail.join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${options.startTimeoutMs} ms`), options.startTimeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      options.output?.write(`${options.name} | ${line}\n`);
      if (settled || !line.includes('"listening"')) return;
      try {
        const record = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
        if (record.msg !== 'listening' || typeof record.port !== 'number') return;
        settled = true;
        clearTimeout(timer);
        resolve({ child, ports: { port: record.port, metricsPort: record.metricsPort }, exited });
      } catch {
        // Not a JSON log line: keep waiting.
      }
    });
    exited.then((code) => fail(`exited with code ${code}`));
  });
}

/**
 * One service running as a child process, known to be up once it logged its `listening` line.
 * The object outlives the process: after stop() or kill(), restart() runs the program again on
 * the same port, and every getter then describes the new run.
 */
export class ServiceProcess {
  readonly name: string;
  private readonly options: ServiceProcessOptions;
  private run: Run;
  private runs = 1;

  private constructor(options: ServiceProcessOptions, run: Run) {
    this.name = options.name;
    this.options = options;
    this.run = run;
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    return new ServiceProcess(options, await spawnRun(options));
  }

  /** The ports the current run bound. */
  get ports(): ListeningPorts {
    return this.run.ports;
  }

  get pid(): number | undefined {
    return this.run.child.pid;
  }

  get running(): boolean {
    return this.run.child.exitCode === null && this.run.child.signalCode === null;
  }

  /** How many times the program was started: 1, plus one per restart(). */
  get starts(): number {
    return this.runs;
  }

  /** Sends a signal without waiting: e.g. SIGTERM to watch a drain from outside. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.run.child.kill(signal);
  }

  /** SIGTERM (graceful drain), then SIGKILL if it has not exited within graceMs; resolves with the exit code (null: killed). */
  async stop(graceMs = 15_000): Promise<number | null> {
    const { child, exited } = this.run;
    if (!this.running) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  /** Abrupt death, as when a node fails: no drain. */
  async kill(): Promise<void> {
    if (this.running) this.run.child.kill('SIGKILL');
    await this.run.exited;
  }

  /** The exit code of the current run once it ends (null: ended by a signal). */
  whenExited(): Promise<number | null> {
    return this.run.exited;
  }

  /**
   * Starts the program again, with the same environment (plus `envChanges`, e.g. new limits) and
   * on the port the first run bound (when portVariable is known), once the current run has
   * ended; resolves when it listens.
   */
  async restart(envChanges: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is still running (pid ${this.pid}): stop() or kill() it before restart()`);
    const { portVariable } = this.options;
    const base = { ...this.options.env, ...envChanges };
    const env = portVariable ? { ...base, [portVariable]: String(this.run.ports.port) } : base;
    this.run = await spawnRun({ ...this.options, env });
    this.runs += 1;
  }
}
