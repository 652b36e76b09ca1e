/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Output {
  write(text: string): void;
  /** True when a person watches it live (a terminal): progress is redrawn in place. */
  readonly isTTY?: boolean;
}

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  /** SKINLESION_URL and friends; the process environment by default. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A command line that cannot be run: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function processIo(): Io {
  return {
    stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY },
    stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY },
    env: process.env,
  };
}
