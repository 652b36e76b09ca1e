import { machineBusySeconds } from './proc.js';

/**
 * On a machine shared with other work, a window during which other processes took CPU measures
 * less than the machine can do. Such a window is measured again once the machine is quiet, within
 * a budget of extra time for the whole run, so that a busy neighbour costs a bounded delay; a
 * window still disturbed when the budget is spent keeps its figures and is named in the notes.
 */
export interface QuietPolicy {
  /** Cores of other work above which a window counts as disturbed. */
  readonly thresholdCores: number;
  /** Measurements again per window at most. */
  readonly retries: number;
  /** Longest wait for a quiet machine before measuring again, s. */
  readonly waitSeconds: number;
  /** Extra time the whole run may spend on measuring again, s. */
  readonly budgetSeconds: number;
}

export const DEFAULT_QUIET_POLICY: QuietPolicy = { thresholdCores: 0.3, retries: 2, waitSeconds: 15, budgetSeconds: 150 };

/** Busy cores of the whole machine over the next `seconds`. */
async function machineCores(seconds: number): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return (machineBusySeconds() - before) / seconds;
}

export class QuietMeasurer {
  private spentSeconds = 0;
  /** Windows measured again, and windows left disturbed: for the report's notes. */
  readonly remeasured: string[] = [];
  readonly disturbed: string[] = [];

  constructor(
    private readonly policy: QuietPolicy = DEFAULT_QUIET_POLICY,
    private readonly onNote: (text: string) => void = () => undefined,
  ) {}

  /**
   * Runs `measure`, and again (up to policy.retries times, while the budget lasts) when
   * `otherCoresOf` its result exceeds the threshold, after waiting (bounded) for the machine to
   * be quiet. `idleCores` is what the benchmark's own idle processes use between windows.
   */
  async measure<T>(label: string, measure: () => Promise<T>, otherCoresOf: (result: T) => number, idleCores = 0.1): Promise<T> {
    let result = await measure();
    for (let attempt = 1; attempt <= this.policy.retries && otherCoresOf(result) > this.policy.thresholdCores; attempt += 1) {
      if (this.spentSeconds >= this.policy.budgetSeconds) break;
      const started = performance.now();
      this.onNote(`${label}: other processes took ${otherCoresOf(result).toFixed(2)} cores; measuring again (${attempt}/${this.policy.retries})`);
      // Wait, in 1 s samples and at most waitSeconds, for the machine to fall quiet.
      for (let waited = 0; waited < this.policy.waitSeconds; waited += 1) {
        if ((await machineCores(1)) <= this.policy.thresholdCores + idleCores) break;
      }
      result = await measure();
      this.spentSeconds += (performance.now() - started) / 1000;
      if (!this.remeasured.includes(label)) this.remeasured.push(label);
    }
    if (otherCoresOf(result) > this.policy.thresholdCores) this.disturbed.push(`${label} (${otherCoresOf(result).toFixed(2)} cores)`);
    return result;
  }

  /** Lines for the report's notes. */
  summary(): string[] {
    const lines: string[] = [];
    if (this.remeasured.length > 0) lines.push(`measured again because other processes took more than ${this.policy.thresholdCores} cores: ${this.remeasured.join('; ')}`);
    if (this.disturbed.length > 0) lines.push(`still disturbed by other processes (figures lower than an idle machine gives): ${this.disturbed.join('; ')}`);
    return lines;
  }
}
