import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type Io } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_TIMEOUT_SECONDS = 120;

/** Options every command that talks to a gateway takes. */
export const COMMON_OPTIONS = {
  url: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `  --url <url>         the gateway (default: $SKINLESION_URL or ${DEFAULT_URL})
  --timeout <s>       time limit of each request, in seconds (default ${DEFAULT_TIMEOUT_SECONDS})
  -h, --help          this help`;

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, with its errors turned into usage errors (exit code 2). */
export function parse<T extends OptionsConfig>(
  argv: readonly string[],
  options: T,
  allowPositionals: boolean,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: boolean; strict: true; allowNegative: true }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function gatewayUrl(value: string | undefined, io: Io): string {
  const url = value ?? io.env.SKINLESION_URL ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

/** A whole number within bounds, or a usage error naming the option. */
export function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  // Decimal digits only: "1e3", "0x10" and "" are refused rather than read loosely.
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function timeoutMs(value: string | undefined): number {
  return integer(value, 'timeout', DEFAULT_TIMEOUT_SECONDS, 1, 86_400) * 1000;
}
