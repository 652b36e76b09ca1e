import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeWidefieldPhoto } from './photo.js';
import type { SynthOptions } from './types.js';

export const USAGE = `usage: node packages/synth/dist/cli.js --out DIR [options]

Writes photo-000.jpg + photo-000.json (ground truth), photo-001..., one pair per photo.
Photo i uses seed S + i.

  --out DIR                 output folder (created if missing)
  --count N                 number of photos (default 1)
  --width W --height H      photo size in px (default 1600 x 1200)
  --lesions N               lesions per photo (default 20)
  --seed S                  first seed (default 1)
  --data DIR                ISIC-layout folder: real lesions instead of drawn ones
  --split dev|holdout|all   which split of labels.csv to draw from (default all)
  --background-share F      share of the photo that is background, 0..0.9 (default 0.15)
  --min-diameter PX         smallest lesion (default 14)
  --max-diameter PX         largest lesion (default 60)
  --no-odd                  do not plant an odd ("ugly duckling") lesion
  --format jpeg|png         encoding (default jpeg)
  --quality Q               JPEG quality (default 92)
  --help                    this text`;

export interface CliPlan {
  out: string;
  count: number;
  options: SynthOptions;
}

function toNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new RangeError(`--${flag} needs a number, got '${value}'`);
  return n;
}

/** Parses the command line; null means "print the usage" (--help). Throws on bad input. */
export function parseCliArgs(argv: readonly string[]): CliPlan | null {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      count: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      lesions: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      split: { type: 'string' },
      'background-share': { type: 'string' },
      'min-diameter': { type: 'string' },
      'max-diameter': { type: 'string' },
      'no-odd': { type: 'boolean' },
      format: { type: 'string' },
      quality: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  if (values.out === undefined) throw new RangeError('--out DIR is required');
  const count = toNumber('count', values.count) ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`--count must be a positive integer, got ${count}`);
  const split = values.split;
  if (split !== undefined && split !== 'dev' && split !== 'holdout' && split !== 'all') {
    throw new RangeError(`--split must be dev, holdout or all, got '${split}'`);
  }
  const format = values.format;
  if (format !== undefined && format !== 'jpeg' && format !== 'png') {
    throw new RangeError(`--format must be jpeg or png, got '${format}'`);
  }
  const options: SynthOptions = {
    width: toNumber('width', values.width),
    height: toNumber('height', values.height),
    lesions: toNumber('lesions', values.lesions),
    seed: toNumber('seed', values.seed),
    dataDir: values.data,
    split,
    backgroundShare: toNumber('background-share', values['background-share']),
    minDiameter: toNumber('min-diameter', values['min-diameter']),
    maxDiameter: toNumber('max-diameter', values['max-diameter']),
    oddLesion: values['no-odd'] ? false : undefined,
    format,
    quality: toNumber('quality', values.quality),
  };
  return { out: values.out, count, options };
}

export interface WrittenPhoto {
  image: string;
  truth: string;
  seed: number;
  lesions: number;
}

/** Makes and writes the planned photos one after another; returns what was written. */
export async function writePhotos(plan: CliPlan): Promise<WrittenPhoto[]> {
  await mkdir(plan.out, { recursive: true });
  const first = plan.options.seed ?? 1;
  const written: WrittenPhoto[] = [];
  for (let i = 0; i < plan.count; i++) {
    const seed = first + i;
    const photo = await makeWidefieldPhoto({ ...plan.options, seed });
    const stem = `photo-${String(i).padStart(3, '0')}`;
    const image = path.join(plan.out, `${stem}.${photo.format === 'jpeg' ? 'jpg' : 'png'}`);
    const truth = path.join(plan.out, `${stem}.json`);
    const { image: bytes, ...groundTruth } = photo;
    const document = {
      file: path.basename(image),
      seed,
      ...groundTruth,
      ...(plan.options.dataDir ? { split: plan.options.split ?? 'all' } : {}),
    };
    await writeFile(image, bytes);
    await writeFile(truth, `${JSON.stringify(document, null, 2)}\n`);
    written.push({ image, truth, seed, lesions: photo.lesions.length });
  }
  return written;
}
