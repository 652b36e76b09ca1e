import { RUNTIME_CHOICES, type RuntimeChoice } from '../runtime/runner.js';

/** A comma-separated list of positive integers, e.g. "1,32". */
export function positiveIntegers(raw: string, flag: string): number[] {
  const values = raw.split(',').map(Number);
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`${flag} must list positive integers, got ${raw}`);
  return values;
}

/** A comma-separated list of runtime choices, e.g. "tfjs,onnx". */
export function runtimes(raw: string, flag: string): RuntimeChoice[] {
  const values = raw.split(',');
  const unknown = values.filter((value) => !(RUNTIME_CHOICES as readonly string[]).includes(value));
  if (unknown.length > 0) throw new Error(`${flag} must list runtimes among ${RUNTIME_CHOICES.join(', ')}, got ${raw}`);
  return values as RuntimeChoice[];
}

export function positiveNumber(raw: string, flag: string): number {
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${flag} must be a positive number, got ${raw}`);
  return value;
}

export function nonNegativeNumber(raw: string, flag: string): number {
  const value = Number(raw);
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`${flag} must be a number >= 0, got ${raw}`);
  return value;
}

/** One JSON record per line on stdout: the machine-readable output of the bench tools. */
export function printRecord(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Reports a failed bench tool on stderr and exits non-zero. */
export function failed(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
