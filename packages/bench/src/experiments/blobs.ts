import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchContext } from '../context.js';
import type { BenchPlan } from '../plan.js';
import { median } from '../stats.js';
import type { BlobExperiment } from '../types.js';

/**
 * The tiler's agreement tool (services/tiler/src/tools/blob-agreement.ts), loaded from its build
 * by path: this package does not depend on the tiler, and the tool is no part of its API.
 */
const TOOL = new URL('../../../../services/tiler/dist/tools/blob-agreement.js', import.meta.url);

interface ImageAgreement {
  width: number;
  height: number;
  opencv: number;
  ours: number;
  matched: number;
  recall: number;
  precision: number;
  opencvMilliseconds: number;
  oursMilliseconds: number;
  oursThreads: number;
  oursSingleThreadMilliseconds: number;
  threadsAgree: boolean;
}

interface BlobAgreementTool {
  blobAgreement(options: { imagesDir: string; images: number; scene: false; timingRuns: number }): Promise<{ images: ImageAgreement[] }>;
  openCvAvailability(): Promise<{ ok: true; version: string } | { ok: false; reason: string }>;
}

export function estimateBlobs(plan: BenchPlan): number {
  // Per repeat: OpenCV decodes once (~1 s on 12 MP); each side then detects once untimed and
  // timingRuns times (ours twice each: as shipped and on one thread).
  return 2 + plan.blobs.repeats * (3 + (plan.blobs.timingRuns + 1) * 1.5);
}

/**
 * Blob detection on the 12 MP photo: OpenCV's SimpleBlobDetector (python3-opencv) and the
 * tiler's blob detector as the service ships it (default threads), with its single-thread
 * detectBlobs beside it, on the identical grey bytes (OpenCV's BGR2GRAY), in this run, `repeats`
 * times; every side warms up with one untimed detection; medians reported.
 */
export async function runBlobs(context: BenchContext): Promise<BlobExperiment> {
  const { plan, progress } = context;
  progress.begin('blob detection: generating the 12 MP photo', 2);
  const photo = await context.photo();
  const tool = (await import(TOOL.href)) as BlobAgreementTool;
  const openCv = await tool.openCvAvailability();
  if (!openCv.ok) throw new Error(openCv.reason);
  const folder = await mkdtemp(path.join(tmpdir(), 'skinlesion-bench-blobs-'));
  try {
    await writeFile(path.join(folder, 'photo.jpg'), photo.bytes);
    const runs: ImageAgreement[] = [];
    for (let repeat = 0; repeat < plan.blobs.repeats; repeat += 1) {
      progress.begin(`blob detection: ours vs OpenCV on ${photo.width}x${photo.height}, run ${repeat + 1}/${plan.blobs.repeats}`, 3 + (plan.blobs.timingRuns + 1) * 1.5);
      const report = await tool.blobAgreement({ imagesDir: folder, images: 1, scene: false, timingRuns: plan.blobs.timingRuns });
      runs.push(report.images[0]);
    }
    const last = runs[runs.length - 1];
    return {
      width: last.width,
      height: last.height,
      repeats: runs.length,
      opencvVersion: openCv.version,
      opencvMs: median(runs.map((run) => run.opencvMilliseconds)),
      oursMs: median(runs.map((run) => run.oursMilliseconds)),
      opencvRunsMs: runs.map((run) => run.opencvMilliseconds),
      oursRunsMs: runs.map((run) => run.oursMilliseconds),
      oursThreads: last.oursThreads,
      oursSingleThreadMs: median(runs.map((run) => run.oursSingleThreadMilliseconds)),
      oursSingleThreadRunsMs: runs.map((run) => run.oursSingleThreadMilliseconds),
      threadsAgree: runs.every((run) => run.threadsAgree),
      opencvKeypoints: last.opencv,
      ourBlobs: last.ours,
      matched: last.matched,
      recall: last.recall,
      precision: last.precision,
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
