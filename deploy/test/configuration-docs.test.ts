/**
 * docs/configuration.md is generated from the services' own config specs, so that it lists every
 * variable each service reads, with the default and meaning the code has. This test fails when
 * the two drift apart; `pnpm docs:config` rewrites the file.
 */
import type { Field } from '@skinlesion/config';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifierConfigSpec } from '../../services/classifier/src/config.js';
import { gatewayConfigSpec } from '../../services/gateway/src/config.js';
import { tilerConfigSpec } from '../../services/tiler/src/config.js';
import { uglyDucklingConfigSpec } from '../../services/ugly-duckling/src/config.js';
import { stackConfigSpec } from '../../packages/stack/src/config.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOC = path.join(REPO, 'docs', 'configuration.md');

type Spec = Record<string, Field<unknown>>;

const SECTIONS: readonly { title: string; intro: string; spec: Spec }[] = [
  {
    title: 'gateway',
    intro: 'REST API (fastify). Limits, deadlines, admission, API keys, rate limit, browser security, and the gRPC client side of TLS.',
    spec: gatewayConfigSpec,
  },
  { title: 'tiler', intro: 'gRPC: decode, blur gate, blob detection, skin mask, crops and pictures.', spec: tilerConfigSpec },
  { title: 'classifier', intro: 'gRPC Open Inference Protocol: the CNN, one inference thread per replica.', spec: classifierConfigSpec() },
  { title: 'ugly-duckling', intro: 'gRPC: ranks the lesions of one patient by how much each differs from the others.', spec: uglyDucklingConfigSpec },
  {
    title: '`pnpm start` (local launcher)',
    intro: 'Runs every service as a process on this machine; the variables above pass through to the services.',
    spec: stackConfigSpec,
  },
];

/** A default as an operator reads it: paths inside the repo relative to it, lists joined. */
function formatDefault(field: Field<unknown>): string {
  const value = field.fallback;
  if (value === undefined) return '**required**';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
  if (typeof value === 'string') {
    if (value === '') return '(empty)';
    if (path.isAbsolute(value) && value.startsWith(REPO)) return `\`${path.relative(REPO, value)}\``;
    return `\`${value}\``;
  }
  return `\`${String(value)}\``;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function render(): string {
  const lines = [
    '# Configuration',
    '',
    'Generated from the services\' config modules by `pnpm docs:config`; a test fails when this file and the code disagree.',
    'Every service reads its environment once at start-up and refuses to start with a message that lists every bad variable at once.',
    'Variables that two services share (`GRPC_MAX_MESSAGE_BYTES`, `SHUTDOWN_GRACE_MS`, `LOG_LEVEL`, the TLS files) are set per service.',
    '',
  ];
  for (const { title, intro, spec } of SECTIONS) {
    lines.push(`## ${title}`, '', intro, '', '| variable | default | meaning |', '|---|---|---|');
    for (const field of Object.values(spec)) lines.push(`| \`${field.env}\` | ${escapeCell(formatDefault(field))} | ${escapeCell(field.doc)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

describe('docs/configuration.md', () => {
  it('lists every variable of every service with the default and meaning its code has', async () => {
    const expected = render();
    if (process.env.UPDATE_CONFIG_DOCS === '1') await writeFile(DOC, expected);
    const actual = await readFile(DOC, 'utf8').catch(() => '');
    expect(actual, 'run `pnpm docs:config` to regenerate docs/configuration.md').toBe(expected);
  });
});
