/** A one-line progress bar for a terminal stream (stderr), redrawn at most every 100 ms. */
export interface Progress {
  /** Sets the number of finished units. */
  update(done: number, detail?: string): void;
  /** Finishes the line. */
  finish(detail?: string): void;
}

export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
}

const WIDTH = 28;
const REDRAW_MS = 100;

export function createProgress(stream: ProgressStream, label: string, total: number, now: () => number = Date.now): Progress {
  const start = now();
  let lastDraw = -Infinity;
  let lastDecile = -1;
  const render = (done: number, detail: string): string => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * WIDTH);
    const elapsed = (now() - start) / 1000;
    const eta = done > 0 && share < 1 ? formatSeconds((elapsed / done) * (total - done)) : '--';
    const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
    return `${label} [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${done}/${total} ${formatSeconds(elapsed)} eta ${eta}${detail ? ` ${detail}` : ''}`;
  };
  return {
    update(done, detail = '') {
      const t = now();
      if (stream.isTTY) {
        if (t - lastDraw < REDRAW_MS) return;
        lastDraw = t;
        stream.write(`\r\x1b[2K${render(done, detail)}`);
        return;
      }
      // Logs and CI: a line per tenth instead of carriage-return redraws.
      const decile = total > 0 ? Math.floor((10 * Math.min(done, total)) / total) : 10;
      // 100 % is left to finish(), so the last line is printed once.
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        stream.write(`${render(done, detail)}\n`);
      }
    },
    finish(detail = '') {
      stream.write(`${stream.isTTY ? '\r\x1b[2K' : ''}${render(total, detail)}\n`);
    },
  };
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
