import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { track } from './children.js';
import { pinToCore } from './services.js';

export interface BusyNeighbours {
  /** Cores kept busy. */
  readonly cores: number;
  stop(): Promise<void>;
}

/**
 * A process spinning on each core but the first, each pinned to its core, for at most
 * `maxSeconds`: what a replica's own event loop and a load generator do to the core beside the
 * inference thread, without their memory traffic. On shared virtual machines two "cores" are
 * often not independent (hyperthreads of one physical core, one memory bus), and this measures
 * by how much.
 */
export async function busyNeighbours(maxSeconds: number): Promise<BusyNeighbours> {
  const cores = availableParallelism() - 1;
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
  };
  const untrack = track(stop);
  const release = async () => {
    await stop();
    untrack();
  };
  const program = `const end = Date.now() + ${Math.ceil(maxSeconds * 1000)}; let x = 0; while (Date.now() < end) x++;`;
  for (let core = 1; core <= cores; core += 1) {
    const child = spawn(process.execPath, ['-e', program], { stdio: 'ignore' });
    children.push(child);
    if (child.pid === undefined || !pinToCore(child.pid, core)) {
      await release();
      throw new Error(`could not pin a busy neighbour to core ${core} (taskset)`);
    }
  }
  return { cores, stop: release };
}
