import { SkinlesionClient, type Analysis, type PictureKind } from '@skinlesion/client';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { EXIT, UsageError, type Io } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, gatewayUrl, integer, parse, timeoutMs } from '../options.js';
import { Progress } from '../progress.js';

export const ANALYZE_HELP = `Usage: skinlesion analyze <photo> [more photos...] [options]

Analyses the photos of one patient together and writes analysis.json and, for each photo,
<name>.boxes.png (yellow NSPL-B and red SPL boxes), <name>.heatmap.png (the ugly-duckling heat
map) and <name>.montage.png (the pigmented lesions ranked by ugly-duckling score).

Options:
  --out <dir>         where to write (default: the current directory)
  --no-correction     turn the method's rule correction (step 5) off
  --no-pictures       write analysis.json only
  --max-width <px>    scale the pictures down to this width
  --json              print the analysis as JSON on stdout instead of a summary
${COMMON_HELP}
`;

const KINDS: readonly PictureKind[] = ['boxes', 'heatmap', 'montage'];
/** Picture requests in flight at once: each one analyses the photos again on the server. */
const PICTURE_CONCURRENCY = 2;

/** File names per photo, from the photo's own name; a repeated name gets its position too. */
function pictureStems(paths: readonly string[]): string[] {
  const stems = paths.map((path) => basename(path, extname(path)) || 'photo');
  return stems.map((stem, index) => (stems.indexOf(stem) === stems.lastIndexOf(stem) ? stem : `${stem}-${index + 1}`));
}

function summary(analysis: Analysis, written: readonly string[]): string {
  const pigmented = analysis.lesions.filter((lesion) => lesion.udRank !== null).sort((a, b) => (a.udRank ?? 0) - (b.udRank ?? 0));
  const lines = [
    `risk ${analysis.risk}: ${analysis.lesions.length} candidates in ${analysis.photos.length} photo(s), model ${analysis.model.name} ${analysis.model.version}, ${(analysis.timingsMs.total / 1000).toFixed(1)} s`,
    `counts: ${Object.entries(analysis.counts).map(([name, count]) => `${name} ${count}`).join(', ')}`,
  ];
  analysis.photos.forEach((photo, index) => {
    if (photo.blurred) lines.push(`photo ${index + 1} is too blurred to analyse (blur score ${photo.blurScore.toFixed(2)} < ${photo.blurThreshold})`);
  });
  if (analysis.uglyDuckling.ranked) {
    lines.push(`oddest: ${pigmented.slice(0, 5).map((lesion) => `#${lesion.udRank} ${lesion.id} ${lesion.class} (UD ${lesion.udScore?.toFixed(2)})`).join(', ')}`);
  } else lines.push(`no ugly-duckling ranking: ${analysis.uglyDuckling.reason}`);
  if (written.length > 0) lines.push(`wrote ${written.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export async function analyzeCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON_OPTIONS, out: { type: 'string' }, correction: { type: 'boolean' }, pictures: { type: 'boolean' }, 'max-width': { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    io.stdout.write(ANALYZE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('give at least one photo');
  const maxWidth = values['max-width'] === undefined ? undefined : integer(values['max-width'], 'max-width', 0, 1, 16384);
  const client = new SkinlesionClient({ baseUrl: gatewayUrl(values.url, io), timeoutMs: timeoutMs(values.timeout) });
  const correction = values.correction ?? true;
  const out = values.out ?? '.';

  const photos = await Promise.all(positionals.map(async (path) => ({ data: await readFile(path), filename: basename(path) })));
  const withPictures = values.pictures ?? true;
  const progress = new Progress(io.stderr, 'analyze', 1 + (withPictures ? KINDS.length * photos.length : 0));
  try {
    const analysis = await client.analyze(photos, { correction });
    progress.tick();
    await mkdir(out, { recursive: true });
    const written = [join(out, 'analysis.json')];
    await writeFile(written[0], `${JSON.stringify(analysis, null, 2)}\n`);

    if (withPictures) {
      const stems = pictureStems(positionals);
      const jobs = photos.flatMap((_photo, index) => (analysis.photos[index].blurred ? [] : KINDS.map((kind) => ({ index, kind }))));
      // Blurred photos have nothing to draw: their steps count as done.
      progress.tick(KINDS.length * photos.length - jobs.length);
      let next = 0;
      const worker = async () => {
        while (next < jobs.length) {
          const { index, kind } = jobs[next];
          next += 1;
          const png = await client.picture(photos, { kind, photo: index, correction, maxWidth });
          const path = join(out, `${stems[index]}.${kind}.png`);
          await writeFile(path, png);
          written.push(path);
          progress.tick();
        }
      };
      await Promise.all(Array.from({ length: Math.min(PICTURE_CONCURRENCY, jobs.length) }, worker));
    }
    progress.finish();
    io.stdout.write(values.json ? `${JSON.stringify(analysis, null, 2)}\n` : summary(analysis, written));
    return EXIT.ok;
  } catch (error) {
    progress.finish();
    throw error;
  }
}
