import type { Output } from './io.js';

const WIDTH = 28;

/**
 * A progress bar on stderr: redrawn in place on a terminal; elsewhere (a log, a pipe) one line
 * per tenth of the work, so logs stay short.
 */
export class Progress {
  private done = 0;
  private lastTenth = -1;
  private readonly started = performance.now();

  constructor(
    private readonly output: Output,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.draw();
  }

  tick(count = 1): void {
    this.done = Math.min(this.total, this.done + count);
    this.draw();
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.output.isTTY) this.output.write('\n');
  }

  private draw(): void {
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    if (this.output.isTTY) {
      const filled = Math.round(fraction * WIDTH);
      this.output.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${this.done}/${this.total} ${seconds} s`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.output.write(`${this.label}: ${this.done}/${this.total} (${Math.round(fraction * 100)} %) ${seconds} s\n`);
  }
}
