import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectBlobs, wideFieldBlobParams, type Blob, type BlobDetector, type BlobParams } from '../domain/blobs.js';
import { greyImage, type GreyImage } from '../domain/image.js';
import { createBlobDetector, DEFAULT_BLOB_THREADS } from '../parallel/blob-detector.js';
import { drawLesionScene, type LesionSceneOptions } from './blob-agreement-scene.js';

/**
 * How closely detectBlobs reproduces OpenCV's SimpleBlobDetector, on ISIC photos and on a drawn
 * multi-lesion scene. Both detectors get the identical grey bytes (OpenCV reads the JPEG and
 * converts it with cvtColor(BGR2GRAY); those bytes are handed to ours), so the figures measure
 * the detectors alone, not JPEG decoders.
 *
 * Our side is the detector the tiler ships (createBlobDetector with its default threads), and
 * detectBlobs on the calling thread alone is timed beside it. Each side, OpenCV's included, runs
 * one untimed detection first, so that no side's timing includes its first call's warm-up.
 *
 * A keypoint and a blob match when their centres are within max(3 px, d / 4) and their diameters
 * within 20 % of the keypoint's diameter d; pairs are matched one to one, closest first.
 */
export interface BlobAgreementOptions {
  /** Folder of ISIC JPEGs. */
  imagesDir?: string;
  /** How many ISIC images, evenly spread over the folder sorted by id (default 20). */
  images?: number;
  /** The drawn scene, or false for none (default: 1500 x 1000 with 45 lesions). */
  scene?: LesionSceneOptions | false;
  /** A Python 3 with OpenCV (default Debian's /usr/bin/python3). */
  python?: string;
  /** Timed detections per image, ours and OpenCV's alike; each side reports the median (default 1). */
  timingRuns?: number;
  /** Threads of our detector (default: the tiler's, DEFAULT_BLOB_THREADS). */
  threads?: number;
}

export interface ImageAgreement {
  name: string;
  width: number;
  height: number;
  opencv: number;
  ours: number;
  /** OpenCV keypoints matched by one of our blobs. */
  matched: number;
  /** matched / opencv (1 when OpenCV found nothing). */
  recall: number;
  /** matched / ours: our blobs OpenCV also has (1 when we found nothing). */
  precision: number;
  opencvMilliseconds: number;
  /** Median over the timing runs, of our detector with `oursThreads` threads. */
  oursMilliseconds: number;
  oursThreads: number;
  /** Median over the timing runs, of detectBlobs on the calling thread alone. */
  oursSingleThreadMilliseconds: number;
  /** Whether our detector's blobs equal detectBlobs', order included. */
  threadsAgree: boolean;
}

export interface BlobAgreementReport {
  images: ImageAgreement[];
  total: { opencv: number; ours: number; matched: number; recall: number; precision: number };
}

/** The ISIC sample lives beside the repository: ../shared/data/isic2017 from its root. */
export const DEFAULT_IMAGES_DIR = fileURLToPath(new URL('../../../../../shared/data/isic2017/images', import.meta.url));
export const DEFAULT_PYTHON = '/usr/bin/python3';
export const DEFAULT_SCENE: LesionSceneOptions = { width: 1500, height: 1000, lesions: 45, seed: 2017 };
/** The reference script, at the same relative place from src/tools and dist/tools. */
export const OPENCV_SCRIPT = fileURLToPath(new URL('../../tools/opencv_blobs.py', import.meta.url));

/** An OpenCV KeyPoint: centre and diameter, px. */
export interface Keypoint {
  x: number;
  y: number;
  size: number;
}

interface OpenCvResult {
  width: number;
  height: number;
  keypoints?: Keypoint[];
  milliseconds?: number;
}

interface OpenCvJob {
  image?: string;
  raw?: string;
  width?: number;
  height?: number;
  greyOut?: string;
  params?: BlobParams;
  /** Detections to time, after an untimed one; OpenCV reports their median, as our side does. */
  runs?: number;
}

interface Subject {
  name: string;
  grey: GreyImage;
  rawPath: string;
}

export async function blobAgreement(options: BlobAgreementOptions = {}): Promise<BlobAgreementReport> {
  const python = options.python ?? DEFAULT_PYTHON;
  const work = await mkdtemp(join(tmpdir(), 'blob-agreement-'));
  try {
    const subjects = [
      ...(await isicSubjects(options.imagesDir ?? DEFAULT_IMAGES_DIR, options.images ?? 20, python, work)),
      ...(await sceneSubjects(options.scene === undefined ? DEFAULT_SCENE : options.scene, work)),
    ];
    const runs = Math.max(1, options.timingRuns ?? 1);
    const jobs: OpenCvJob[] = subjects.map((s) => ({
      raw: s.rawPath,
      width: s.grey.width,
      height: s.grey.height,
      params: wideFieldBlobParams(s.grey.width, s.grey.height),
      runs,
    }));
    const results = await runOpenCv(python, jobs);
    const detector = await createBlobDetector({ threads: options.threads ?? DEFAULT_BLOB_THREADS });
    try {
      const images: ImageAgreement[] = [];
      for (const [i, subject] of subjects.entries()) images.push(await compare(subject, results[i]!, runs, detector));
      return { images, total: totals(images) };
    } finally {
      await detector.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** ISIC images read and converted to grey by OpenCV itself, evenly spread by id. */
async function isicSubjects(dir: string, count: number, python: string, work: string): Promise<Subject[]> {
  if (count <= 0) return [];
  const listing = await readdir(dir).catch((error: unknown) => {
    throw new Error(`ISIC images missing: cannot read ${dir} (../shared/data/isic2017/images from the repo root)`, { cause: error });
  });
  const files = listing.filter((f) => f.toLowerCase().endsWith('.jpg')).sort();
  if (files.length === 0) throw new Error(`no .jpg images in ${dir}`);
  const picked = evenlySpread(files, count);
  const jobs: OpenCvJob[] = picked.map((file, i) => ({ image: join(dir, file), greyOut: join(work, `isic-${i}.raw`) }));
  const decoded = await runOpenCv(python, jobs);
  return Promise.all(
    picked.map(async (file, i) => {
      const { width, height } = decoded[i]!;
      const rawPath = jobs[i]!.greyOut!;
      const grey = greyImage(width, height, new Uint8Array(await readFile(rawPath)));
      return { name: file.replace(/\.jpg$/i, ''), grey, rawPath };
    }),
  );
}

async function sceneSubjects(scene: LesionSceneOptions | false, work: string): Promise<Subject[]> {
  if (scene === false) return [];
  const { image } = drawLesionScene(scene);
  const rawPath = join(work, 'scene.raw');
  await writeFile(rawPath, image.data);
  return [{ name: `scene ${scene.width}x${scene.height} (${scene.lesions} lesions, seed ${scene.seed})`, grey: image, rawPath }];
}

export function evenlySpread<T>(items: readonly T[], count: number): T[] {
  const n = Math.min(count, items.length);
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

async function compare(subject: Subject, result: OpenCvResult, runs: number, detector: BlobDetector): Promise<ImageAgreement> {
  if (result.width !== subject.grey.width || result.height !== subject.grey.height) {
    throw new Error(`${subject.name}: OpenCV saw ${result.width}x${result.height}, ours ${subject.grey.width}x${subject.grey.height}`);
  }
  const keypoints = result.keypoints ?? [];
  const params = wideFieldBlobParams(subject.grey.width, subject.grey.height);
  // Untimed first detections, as on OpenCV's side.
  let blobs = await detector.detect(subject.grey, params);
  const single = detectBlobs(subject.grey, params);
  const threadsAgree = sameBlobs(blobs, single);
  const shipped: number[] = [];
  const oneThread: number[] = [];
  // Alternating which goes first, so that neither always runs on the other's warm caches.
  for (let run = 0; run < runs; run++) {
    for (const side of run % 2 === 0 ? (['shipped', 'single'] as const) : (['single', 'shipped'] as const)) {
      const started = performance.now();
      if (side === 'shipped') blobs = await detector.detect(subject.grey, params);
      else detectBlobs(subject.grey, params);
      (side === 'shipped' ? shipped : oneThread).push(performance.now() - started);
    }
  }
  const matched = matchCount(keypoints, blobs);
  return {
    name: subject.name,
    width: subject.grey.width,
    height: subject.grey.height,
    opencv: keypoints.length,
    ours: blobs.length,
    matched,
    recall: keypoints.length === 0 ? 1 : matched / keypoints.length,
    precision: blobs.length === 0 ? 1 : matched / blobs.length,
    opencvMilliseconds: result.milliseconds ?? Number.NaN,
    oursMilliseconds: median(shipped),
    oursThreads: detector.threads,
    oursSingleThreadMilliseconds: median(oneThread),
    threadsAgree,
  };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

function sameBlobs(a: readonly Blob[], b: readonly Blob[]): boolean {
  return a.length === b.length && a.every((blob, i) => blob.x === b[i]!.x && blob.y === b[i]!.y && blob.diameter === b[i]!.diameter && blob.area === b[i]!.area);
}

/** One-to-one matches between OpenCV keypoints and our blobs, closest pairs first. */
export function matchCount(keypoints: readonly Keypoint[], blobs: readonly Blob[]): number {
  const pairs: { k: number; b: number; distance: number }[] = [];
  keypoints.forEach((kp, k) => {
    const reach = Math.max(3, 0.25 * kp.size);
    blobs.forEach((blob, b) => {
      const distance = Math.hypot(blob.x - kp.x, blob.y - kp.y);
      if (distance <= reach && Math.abs(blob.diameter - kp.size) <= 0.2 * kp.size) pairs.push({ k, b, distance });
    });
  });
  pairs.sort((p, q) => p.distance - q.distance);
  const usedK = new Set<number>();
  const usedB = new Set<number>();
  for (const { k, b } of pairs) {
    if (usedK.has(k) || usedB.has(b)) continue;
    usedK.add(k);
    usedB.add(b);
  }
  return usedK.size;
}

function totals(images: readonly ImageAgreement[]): BlobAgreementReport['total'] {
  const opencv = images.reduce((s, i) => s + i.opencv, 0);
  const ours = images.reduce((s, i) => s + i.ours, 0);
  const matched = images.reduce((s, i) => s + i.matched, 0);
  return { opencv, ours, matched, recall: opencv === 0 ? 1 : matched / opencv, precision: ours === 0 ? 1 : matched / ours };
}

/** OpenCV's keypoints for grey images, each with its own parameters, in OpenCV's order. */
export async function openCvKeypoints(
  inputs: readonly { grey: GreyImage; params: BlobParams }[],
  python: string = DEFAULT_PYTHON,
): Promise<Keypoint[][]> {
  const work = await mkdtemp(join(tmpdir(), 'blob-keypoints-'));
  try {
    const jobs = await Promise.all(
      inputs.map(async ({ grey, params }, i) => {
        const raw = join(work, `${i}.raw`);
        await writeFile(raw, grey.data);
        return { raw, width: grey.width, height: grey.height, params };
      }),
    );
    return (await runOpenCv(python, jobs)).map((result) => result.keypoints ?? []);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function runOpenCv(python: string, jobs: readonly OpenCvJob[]): Promise<OpenCvResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [OPENCV_SCRIPT, '--batch'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${python} ${OPENCV_SCRIPT} failed: ${error.message}\n${stderr}`));
        return;
      }
      const results = JSON.parse(stdout) as OpenCvResult[];
      if (!Array.isArray(results) || results.length !== jobs.length) {
        reject(new Error(`OpenCV reference returned ${Array.isArray(results) ? results.length : 'no'} results for ${jobs.length} jobs`));
        return;
      }
      resolve(results);
    });
    child.stdin?.end(JSON.stringify(jobs));
  });
}

/** Whether `python` can import cv2; the reason when it cannot. */
export function openCvAvailability(python: string = DEFAULT_PYTHON): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import cv2; print(cv2.__version__)'], (error, stdout, stderr) => {
      if (error) resolve({ ok: false, reason: `${python} cannot import cv2 (install python3-opencv): ${stderr.trim() || error.message}` });
      else resolve({ ok: true, version: stdout.trim() });
    });
  });
}

/** The report as a plain-text table. */
export function formatAgreement(report: BlobAgreementReport): string {
  const percent = (v: number): string => `${(100 * v).toFixed(1)} %`;
  const threads = report.images[0]?.oursThreads ?? 1;
  const header = ['image', 'size', 'opencv', 'ours', 'matched', 'recall', 'precision', 'opencv ms', `ours ms (${threads} threads)`, 'ours ms (1 thread)'];
  const rows = report.images.map((i) => [
    i.name,
    `${i.width}x${i.height}`,
    String(i.opencv),
    String(i.ours),
    String(i.matched),
    percent(i.recall),
    percent(i.precision),
    i.opencvMilliseconds.toFixed(0),
    i.oursMilliseconds.toFixed(0),
    `${i.oursSingleThreadMilliseconds.toFixed(0)}${i.threadsAgree ? '' : ' (results differ!)'}`,
  ]);
  const t = report.total;
  rows.push(['total', '', String(t.opencv), String(t.ours), String(t.matched), percent(t.recall), percent(t.precision), '', '', '']);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
