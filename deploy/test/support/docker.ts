import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoPath, type ServiceName } from './services.js';

const run = promisify(execFile);

/** Where the engine's and the builds' logs go (artifacts/ is kept by CI, ignored by git). */
export const LOG_DIR = repoPath('artifacts', 'deploy-test');

export type Engine = { readonly available: true; readonly startedHere: boolean; stop(): Promise<void> } | { readonly available: false; readonly reason: string };

async function answers(): Promise<boolean> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function installed(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * A container engine to test against: the running one, or a dockerd started here (as root) the
 * way these machines allow: no default bridge and no iptables, containers on the host network so
 * that all traffic stays on 127.0.0.1. When neither is possible, says why.
 */
export async function ensureDockerEngine(): Promise<Engine> {
  if (!(await installed('docker'))) return { available: false, reason: 'the docker CLI is not installed (apt-get install docker.io)' };
  if (await answers()) return { available: true, startedHere: false, stop: async () => undefined };
  if (process.env.DOCKER_HOST) return { available: false, reason: `no container engine answers at DOCKER_HOST=${process.env.DOCKER_HOST}` };
  if (!(await installed('dockerd'))) return { available: false, reason: 'no container engine runs and dockerd is not installed (apt-get install docker.io)' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'no container engine runs, and starting dockerd needs root' };

  await mkdir(LOG_DIR, { recursive: true });
  const logPath = path.join(LOG_DIR, 'dockerd.log');
  const log = await open(logPath, 'w');
  const daemon: ChildProcess = spawn('dockerd', ['--bridge=none', '--iptables=false'], { stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  daemon.once('error', () => undefined);
  const until = Date.now() + 60_000;
  while (!(await answers())) {
    if (daemon.exitCode !== null || Date.now() > until) {
      daemon.kill('SIGKILL');
      await log.close();
      return { available: false, reason: `dockerd did not start (see ${path.relative(repoPath(), logPath)})` };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    available: true,
    startedHere: true,
    async stop() {
      daemon.kill('SIGTERM');
      const timer = setTimeout(() => daemon.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      await log.close();
    },
  };
}

/** Runs a command with its output in LOG_DIR/<logName>; on failure the error carries the log's tail. */
export async function logged(command: string, args: readonly string[], logName: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  await mkdir(LOG_DIR, { recursive: true });
  const logPath = path.join(LOG_DIR, logName);
  const log = createWriteStream(logPath);
  const child = spawn(command, args, { cwd: options.cwd ?? repoPath(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let stdout = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(...chunk.toString().split('\n'));
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    keep(chunk);
  });
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code} (log: ${path.relative(repoPath(), logPath)}):\n${tail.join('\n')}`);
  return stdout;
}

/**
 * The local base image of scripts/build-base-image.sh (Debian bookworm + this machine's Node),
 * built once and kept by the engine; undefined with the reason when this machine cannot build it.
 */
export async function baseImage(): Promise<{ tag: string } | { reason: string }> {
  let output: string;
  try {
    output = await logged('bash', [repoPath('scripts', 'build-base-image.sh')], 'base-image.log');
  } catch (error) {
    // Without debootstrap, or without root to run it (and nothing cached), this machine has no
    // way to a base image; any other failure is a failure.
    if (!(await installed('debootstrap'))) return { reason: 'no local base image and debootstrap is not installed (apt-get install debootstrap)' };
    if (process.getuid?.() !== 0) return { reason: `no local base image, and making one needs root: ${(error as Error).message.split('\n').pop()}` };
    throw error;
  }
  return { tag: output.trim().split('\n').pop() as string };
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', image]);
    return true;
  } catch {
    return false;
  }
}

/**
 * `docker build --target <service>` of the repository's Dockerfile on the given base. The build
 * fetches packages from the npm registry, which only the host network reaches when the engine
 * has no bridge.
 */
export async function buildServiceImage(service: ServiceName, base: string, tag: string): Promise<void> {
  await logged(
    'docker',
    ['build', '--network', 'host', '--build-arg', `BASE=${base}`, '--build-arg', `RUNTIME_BASE=${base}`, '--target', service, '--tag', tag, '.'],
    `build-${service}.log`,
    // The legacy builder: what Debian's docker.io has, and all these Dockerfiles need.
    { env: { DOCKER_BUILDKIT: '0' } },
  );
}

/** Bytes of an image, as the engine reports it. */
export async function imageSize(image: string): Promise<number> {
  const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Size}}', image]);
  return Number(stdout.trim());
}

/** The Docker health status of a container: starting, healthy or unhealthy. */
export async function healthOf(container: string): Promise<string> {
  const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', container]);
  return stdout.trim();
}

/** A service's /metrics read from inside its container (the images have node, not curl). */
export async function metricsInside(container: string, port: number): Promise<string> {
  const script = `fetch('http://127.0.0.1:${port}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const { stdout } = await run('docker', ['exec', container, 'node', '-e', script], { maxBuffer: 8 * 1024 * 1024 });
  return stdout;
}

/** The value of a counter line `name{...labels containing match...} value`, summed over matches. */
export function counterValue(metrics: string, name: string, match: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
