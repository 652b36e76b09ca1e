import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const protoDir = fileURLToPath(new URL('..', import.meta.url));

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(root, path) : [relative(root, path)];
  });
}

describe('generated proto types', () => {
  it('match what `pnpm proto:gen` produces from the .proto files', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'proto-gen-'));
    try {
      execFileSync(process.execPath, ['gen.mjs', fresh], { cwd: protoDir, stdio: 'pipe' });
      const committed = join(protoDir, 'src/generated');
      const freshFiles = listFiles(fresh).sort();
      expect(listFiles(committed).sort()).toEqual(freshFiles);
      for (const file of freshFiles) {
        expect(readFileSync(join(committed, file), 'utf8'), `${file} is stale: run pnpm proto:gen`).toBe(readFileSync(join(fresh, file), 'utf8'));
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
