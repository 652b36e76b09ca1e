/**
 * A progress bar on stderr for a run made of steps whose lengths are known in advance (the
 * benchmark's windows): the bar advances with the time spent in the current step, never past it,
 * and jumps to the step's end when it finishes. Without a terminal it prints one line per step.
 */
export class ProgressBar {
  private done = 0;
  private step?: { label: string; weight: number; started: number };
  private timer?: NodeJS.Timeout;
  private readonly started = performance.now();
  private readonly tty: boolean;

  /** `total` is the sum of the steps' weights, in expected seconds. */
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 28,
  ) {
    this.tty = stream.isTTY === true;
  }

  begin(label: string, weight: number): void {
    if (this.step !== undefined) this.end();
    this.step = { label, weight, started: performance.now() };
    if (this.tty) {
      this.timer ??= setInterval(() => this.render(), 250);
      this.timer.unref();
      this.render();
    } else {
      this.stream.write(`[${formatPercent(this.fraction())}] ${label}\n`);
    }
  }

  end(): void {
    if (this.step === undefined) return;
    this.done += this.step.weight;
    this.step = undefined;
    if (this.tty) this.render();
  }

  /** A line above the bar (notes, warnings). */
  note(line: string): void {
    if (this.tty) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty && this.step !== undefined) this.render();
  }

  finish(): void {
    this.end();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.stream.write(`\r\x1b[2K${renderBar(1, this.width)} 100%  done in ${formatDuration(this.elapsedSeconds())}\n`);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private fraction(): number {
    const inStep = this.step === undefined ? 0 : Math.min(0.98 * this.step.weight, (performance.now() - this.step.started) / 1000);
    return this.total > 0 ? Math.min(1, (this.done + inStep) / this.total) : 0;
  }

  private render(): void {
    const fraction = this.fraction();
    const elapsed = this.elapsedSeconds();
    const left = fraction > 0.02 ? ` ~${formatDuration((elapsed / fraction) * (1 - fraction))} left` : '';
    const label = this.step?.label ?? '';
    const columns = this.stream.columns || 100;
    const line = `${renderBar(fraction, this.width)} ${formatPercent(fraction)} ${formatDuration(elapsed)}${left}  ${label}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
  }
}

/** [#####-----] for a fraction in [0, 1]. */
export function renderBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function formatPercent(fraction: number): string {
  return `${Math.floor(fraction * 100)
    .toString()
    .padStart(3)}%`;
}

/** 75 -> "1m15s", 9.4 -> "9s". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return minutes > 0 ? `${minutes}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}
