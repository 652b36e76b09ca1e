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
}

export interface ListeningPorts {
  readonly port: number;
  readonly metricsPort?: number;
}

/** One service running as a child process, known to be up once it logged its `listening` line. */
export class ServiceProcess {
  readonly name: string;
  readonly ports: ListeningPorts;
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  private constructor(name: string, child: ChildProcess, ports: ListeningPorts, exited: Promise<number | null>) {
    this.name = name;
    this.child = child;
    this.ports = ports;
    this.exited = exited;
  }

  static start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [options.entry], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
          resolve(new ServiceProcess(options.name, child, { port: record.port, metricsPort: record.metricsPort }, exited));
        } catch {
          // Not a JSON log line: keep waiting.
        }
      });
      exited.then((code) => fail(`exited with code ${code}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful drain), then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** Abrupt death, as when a node fails: no drain. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  whenExited(): Promise<number | null> {
    return this.exited;
  }
}
