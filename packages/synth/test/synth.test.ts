import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs, writePhotos } from '../src/cli-args.js';
import { CLASS_FOR_DIAGNOSIS, makeWidefieldPhoto, type SynthPhoto } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The ISIC sample lives beside the repository: ../shared/data/isic2017 from its root. */
const isicDir = path.resolve(repoRoot, '../shared/data/isic2017');

interface Label {
  diagnosis: keyof typeof CLASS_FOR_DIAGNOSIS;
  split: string;
}

async function readLabels(dir: string): Promise<Map<string, Label>> {
  const [header, ...rows] = (await readFile(path.join(dir, 'labels.csv'), 'utf8')).trim().split(/\r?\n/); // CRLF or LF
  const cols = header.split(',');
  const labels = new Map<string, Label>();
  for (const row of rows) {
    const f = row.split(',');
    labels.set(f[cols.indexOf('image_id')], {
      diagnosis: f[cols.indexOf('diagnosis')] as Label['diagnosis'],
      split: f[cols.indexOf('split')],
    });
  }
  return labels;
}

async function decode(photo: SynthPhoto): Promise<Buffer> {
  const { data, info } = await sharp(photo.image).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([photo.width, photo.height, 3]);
  return data;
}

/** Mean grey level of the pixels whose distance from (x, y) lies in [r0, r1). */
function meanGrey(rgb: Buffer, width: number, height: number, x: number, y: number, r0: number, r1: number): number {
  let sum = 0;
  let n = 0;
  for (let yy = Math.floor(y - r1); yy <= Math.ceil(y + r1); yy++) {
    for (let xx = Math.floor(x - r1); xx <= Math.ceil(x + r1); xx++) {
      if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
      const d = Math.hypot(xx + 0.5 - x, yy + 0.5 - y);
      if (d < r0 || d >= r1) continue;
      const p = 3 * (yy * width + xx);
      sum += 0.299 * rgb[p] + 0.587 * rgb[p + 1] + 0.114 * rgb[p + 2];
      n++;
    }
  }
  return sum / n;
}

/** The YCrCb half of pipeline.md's skin mask (Cr 130..180, Cb 77..130), enough to tell skin from backdrop. */
function isSkinColour(r: number, g: number, b: number): boolean {
  const luma = 0.299 * r + 0.587 * g + 0.114 * b;
  const cr = (r - luma) * 0.713 + 128;
  const cb = (b - luma) * 0.564 + 128;
  return cr >= 130 && cr <= 180 && cb >= 77 && cb <= 130;
}

function expectSaneGroundTruth(photo: SynthPhoto, lesions: number, odd: boolean): void {
  expect(photo.lesions).toHaveLength(lesions);
  const ids = new Set(photo.lesions.map((l) => l.id));
  expect(ids.size).toBe(lesions);
  const { x0, y0, x1, y1 } = photo.skinBox;
  expect(0 <= x0 && x0 < x1 && x1 <= photo.width && 0 <= y0 && y0 < y1 && y1 <= photo.height).toBe(true);
  for (const l of photo.lesions) {
    expect(l.x - l.diameter / 2).toBeGreaterThanOrEqual(x0);
    expect(l.x + l.diameter / 2).toBeLessThanOrEqual(x1);
    expect(l.y - l.diameter / 2).toBeGreaterThanOrEqual(y0);
    expect(l.y + l.diameter / 2).toBeLessThanOrEqual(y1);
    expect([3, 4, 5]).toContain(l.classIndex);
  }
  for (const a of photo.lesions) {
    for (const b of photo.lesions) {
      if (a === b) continue;
      // 2 diameters between centres, less a pixel for rounding the centroid to the pixel grid.
      expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(2 * Math.max(a.diameter, b.diameter) - 1);
    }
  }
  const odds = photo.lesions.filter((l) => l.odd);
  if (odd) {
    expect(odds).toHaveLength(1);
    expect(photo.oddLesionId).toBe(odds[0].id);
  } else {
    expect(odds).toHaveLength(0);
    expect(photo.oddLesionId).toBeNull();
  }
}

async function expectLesionsDarkerThanSkin(photo: SynthPhoto): Promise<void> {
  const rgb = await decode(photo);
  for (const l of photo.lesions) {
    const centre = meanGrey(rgb, photo.width, photo.height, l.x, l.y, 0, Math.max(1.5, l.diameter / 4));
    const skin = meanGrey(rgb, photo.width, photo.height, l.x, l.y, 1.5 * l.diameter, 2 * l.diameter);
    // 10 grey levels: one step of the blob detector's threshold ladder.
    expect(centre, `${l.id} (${l.source})`).toBeLessThan(skin - 10);
  }
}

describe('makeWidefieldPhoto, drawn lesions', () => {
  const small = { width: 800, height: 600, lesions: 12 };

  it('gives identical bytes for the same seed and different photos for different seeds', async () => {
    const [a, b, c] = await Promise.all([
      makeWidefieldPhoto({ ...small, seed: 5 }),
      makeWidefieldPhoto({ ...small, seed: 5 }),
      makeWidefieldPhoto({ ...small, seed: 6 }),
    ]);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(a.lesions).toEqual(b.lesions);
    expect(Buffer.from(a.image).equals(Buffer.from(c.image))).toBe(false);
    expect(a.lesions).not.toEqual(c.lesions);
  });

  it('encodes a JPEG of the requested size by default and PNG on request', async () => {
    const jpeg = await makeWidefieldPhoto(small);
    expect(jpeg.format).toBe('jpeg');
    expect([...jpeg.image.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const png = await makeWidefieldPhoto({ ...small, format: 'png' });
    expect(png.format).toBe('png');
    expect((await sharp(png.image).metadata()).format).toBe('png');
    expect([png.width, png.height]).toEqual([800, 600]);
    expect(png.lesions).toEqual(jpeg.lesions);
  });

  it('plants non-overlapping lesions on the skin with exactly one odd one', async () => {
    const photo = await makeWidefieldPhoto({ ...small, seed: 3 });
    expectSaneGroundTruth(photo, 12, true);
    const odd = photo.lesions.find((l) => l.odd);
    const others = photo.lesions.filter((l) => !l.odd);
    expect(odd?.classIndex).toBe(5);
    expect(others.every((l) => l.classIndex === 3 && l.source === 'procedural')).toBe(true);
    // The odd one stands out by size too: the others stay within +-12 % of a common base.
    expect(odd?.diameter).toBeGreaterThan(1.5 * Math.max(...others.map((l) => l.diameter)));
  });

  it('plants no odd lesion when asked not to, or when there are too few to rank', async () => {
    expectSaneGroundTruth(await makeWidefieldPhoto({ ...small, oddLesion: false }), 12, false);
    expectSaneGroundTruth(await makeWidefieldPhoto({ ...small, lesions: 2 }), 2, false);
    expectSaneGroundTruth(await makeWidefieldPhoto({ ...small, lesions: 0 }), 0, false);
  });

  it('draws every lesion darker than the skin around it', async () => {
    await expectLesionsDarkerThanSkin(await makeWidefieldPhoto({ ...small, seed: 8, oddLesion: false }));
  });

  it('keeps lesions at least 2 diameters from the body outline', async () => {
    const photo = await makeWidefieldPhoto({ ...small, seed: 4 });
    const rgb = await decode(photo);
    for (const l of photo.lesions) {
      // Every pixel within the lesion's edge + 2 diameters must have a skin colour.
      const reach = l.diameter / 2 + 2 * l.diameter - 1;
      for (let a = 0; a < 16; a++) {
        const x = Math.round(l.x + reach * Math.cos((a * Math.PI) / 8));
        const y = Math.round(l.y + reach * Math.sin((a * Math.PI) / 8));
        const p = 3 * (y * photo.width + x);
        expect(isSkinColour(rgb[p], rgb[p + 1], rgb[p + 2]), `${l.id} at (${x}, ${y})`).toBe(true);
      }
    }
  });

  it('covers the requested share of the photo with skin-coloured pixels', async () => {
    for (const backgroundShare of [0.15, 0.35]) {
      for (const seed of [1, 2, 3]) {
        const photo = await makeWidefieldPhoto({ width: 480, height: 360, lesions: 0, seed, backgroundShare });
        const rgb = await decode(photo);
        let skin = 0;
        for (let p = 0; p < rgb.length; p += 3) if (isSkinColour(rgb[p], rgb[p + 1], rgb[p + 2])) skin++;
        expect(1 - skin / (photo.width * photo.height)).toBeCloseTo(backgroundShare, 1);
      }
    }
  });

  it('rejects options that cannot make a photo, naming the option', async () => {
    await expect(makeWidefieldPhoto({ width: 10 })).rejects.toThrow(/width/);
    await expect(makeWidefieldPhoto({ backgroundShare: 1.5 })).rejects.toThrow(/backgroundShare/);
    await expect(makeWidefieldPhoto({ minDiameter: 30, maxDiameter: 20 })).rejects.toThrow(/maxDiameter/);
    await expect(makeWidefieldPhoto({ width: 400, height: 300, lesions: 200 })).rejects.toThrow(/cannot place/);
  });
});

describe('makeWidefieldPhoto, ISIC lesions', () => {
  let labels: Map<string, Label>;
  let tmp: string;

  beforeAll(async () => {
    if (!existsSync(path.join(isicDir, 'labels.csv'))) {
      throw new Error(`ISIC sample data missing: expected ${isicDir}/labels.csv (../shared/data/isic2017 from the repo root)`);
    }
    labels = await readLabels(isicDir);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'synth-test-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('pastes real lesions with classes from their diagnoses, darker than the skin', async () => {
    const photo = await makeWidefieldPhoto({ width: 1000, height: 750, lesions: 10, seed: 2, dataDir: isicDir });
    expectSaneGroundTruth(photo, 10, true);
    for (const l of photo.lesions) {
      const label = labels.get(l.source);
      expect(label, l.source).toBeDefined();
      expect(l.classIndex).toBe(CLASS_FOR_DIAGNOSIS[label!.diagnosis]);
    }
    expect(photo.lesions.find((l) => l.odd)?.classIndex).toBe(5);
    expect(photo.lesions.filter((l) => !l.odd).every((l) => l.classIndex === 3)).toBe(true);
    await expectLesionsDarkerThanSkin(photo);
  });

  it('is deterministic with real lesions too', async () => {
    const options = { width: 640, height: 480, lesions: 6, seed: 9, dataDir: isicDir, oddLesion: false };
    const [a, b] = await Promise.all([makeWidefieldPhoto(options), makeWidefieldPhoto(options)]);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expectSaneGroundTruth(a, 6, false);
  });

  it('draws only from the requested split', async () => {
    // A folder of 8 real images, relabelled half dev and half holdout, so both splits exist.
    const dir = path.join(tmp, 'split');
    await mkdir(path.join(dir, 'images'), { recursive: true });
    await mkdir(path.join(dir, 'masks'), { recursive: true });
    const nevi = [...labels].filter(([, l]) => l.diagnosis === 'nevus').slice(0, 8).map(([id]) => id);
    const rows = ['image_id,diagnosis,split'];
    for (const [i, id] of nevi.entries()) {
      await symlink(path.join(isicDir, 'images', `${id}.jpg`), path.join(dir, 'images', `${id}.jpg`));
      await symlink(path.join(isicDir, 'masks', `${id}.png`), path.join(dir, 'masks', `${id}.png`));
      rows.push(`${id},nevus,${i % 2 === 0 ? 'holdout' : 'dev'}`);
    }
    await writeFile(path.join(dir, 'labels.csv'), `${rows.join('\n')}\n`);
    const holdout = new Set(nevi.filter((_, i) => i % 2 === 0));

    const base = { width: 640, height: 480, lesions: 8, dataDir: dir, oddLesion: false };
    const fromHoldout = await makeWidefieldPhoto({ ...base, split: 'holdout' });
    expect(fromHoldout.lesions.every((l) => holdout.has(l.source))).toBe(true);
    const fromDev = await makeWidefieldPhoto({ ...base, split: 'dev' });
    expect(fromDev.lesions.every((l) => !holdout.has(l.source) && nevi.includes(l.source))).toBe(true);
  });

  it('says clearly when a split has no images', async () => {
    const dir = path.join(tmp, 'empty');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'labels.csv'), 'image_id,diagnosis,split\nISIC_0000000,nevus,dev\n');
    await expect(makeWidefieldPhoto({ lesions: 3, dataDir: dir, split: 'holdout' })).rejects.toThrow(/no usable images in split 'holdout'/);
    await expect(makeWidefieldPhoto({ lesions: 3, dataDir: path.join(tmp, 'absent') })).rejects.toThrow(/labels\.csv/);
  });
});

describe('cli', () => {
  it('parses options and writes photo-XXX.jpg with its ground truth', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'synth-cli-'));
    try {
      const plan = parseCliArgs(['--out', out, '--count', '2', '--width', '400', '--height', '300', '--lesions', '3', '--seed', '7']);
      expect(plan?.options).toMatchObject({ width: 400, height: 300, lesions: 3, seed: 7 });
      await writePhotos(plan!);
      expect((await readdir(out)).sort()).toEqual(['photo-000.jpg', 'photo-000.json', 'photo-001.jpg', 'photo-001.json']);
      const truth = JSON.parse(await readFile(path.join(out, 'photo-001.json'), 'utf8'));
      expect(truth).toMatchObject({ file: 'photo-001.jpg', seed: 8, width: 400, height: 300 });
      expect(truth.lesions).toHaveLength(3);
      const again = await makeWidefieldPhoto({ width: 400, height: 300, lesions: 3, seed: 8 });
      expect(Buffer.from(again.image).equals(await readFile(path.join(out, 'photo-001.jpg')))).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('rejects bad arguments and answers --help', () => {
    expect(parseCliArgs(['--help'])).toBeNull();
    expect(() => parseCliArgs([])).toThrow(/--out/);
    expect(() => parseCliArgs(['--out', 'x', '--count', 'two'])).toThrow(/--count/);
    expect(() => parseCliArgs(['--out', 'x', '--split', 'test'])).toThrow(/--split/);
    expect(() => parseCliArgs(['--out', 'x', '--bogus'])).toThrow();
  });
});
