import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where the reliability tests write their figures: RELIABILITY_REPORT_DIR, or a folder in the
 * system's temp dir. docs/reliability.md quotes these files.
 */
export function reportDir(): string {
  const dir = process.env.RELIABILITY_REPORT_DIR ?? path.join(tmpdir(), 'skinlesion-reliability');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A GitHub-flavoured markdown table; `|` in cells is escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (value: string | number) => String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
}

/** Writes `name` (markdown) and its JSON twin into reportDir(); returns the markdown path. */
export function writeReport(name: string, markdown: string, data: unknown): string {
  const dir = reportDir();
  const file = path.join(dir, `${name}.md`);
  writeFileSync(file, `${markdown.trimEnd()}\n`);
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
