import { CLASS_NAMES, SkinlesionClient } from '@skinlesion/client';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { EXIT, UsageError, type Io } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, gatewayUrl, parse, timeoutMs } from '../options.js';

export const CLASSIFY_HELP = `Usage: skinlesion classify <image> [more images...] [options]

Classifies each image as one patch (the seed's cloud variant): it is resized to the model's
input and given the six class probabilities. No detection, no ugly-duckling step.

Options:
  --json              print the answer as JSON
${COMMON_HELP}
`;

export async function classifyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, json: { type: 'boolean' } }, true);
  if (values.help) {
    io.stdout.write(CLASSIFY_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('give at least one image');
  const client = new SkinlesionClient({ baseUrl: gatewayUrl(values.url, io), timeoutMs: timeoutMs(values.timeout) });
  const images = await Promise.all(positionals.map(async (path) => ({ data: await readFile(path), filename: basename(path) })));
  const report = await client.classify(images);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  const nameWidth = Math.max(5, ...positionals.map((path) => basename(path).length));
  const header = `${'image'.padEnd(nameWidth)}  ${'class'.padEnd(10)}  ${CLASS_NAMES.map((name) => name.padStart(10)).join('')}`;
  const rows = report.results.map((result, index) =>
    `${basename(positionals[index]).padEnd(nameWidth)}  ${result.class.padEnd(10)}  ${CLASS_NAMES.map((name) => result.probabilities[name].toFixed(4).padStart(10)).join('')}`,
  );
  io.stdout.write(`${[header, ...rows].join('\n')}\nmodel ${report.model.name} ${report.model.version}\n`);
  return EXIT.ok;
}
