import { createRequire } from 'node:module';

/** This package's version, reported by ServerMetadata; read from package.json (src/ and dist/ sit beside it). */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}
