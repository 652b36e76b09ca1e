import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The gateway's package version (from package.json beside src/ and dist/), read once. */
export function gatewayVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
