import { makeWidefieldPhoto } from '@skinlesion/synth';
import type { H2loadClient } from './h2load.js';
import type { MachineInfo } from './machine.js';
import type { ModelDir } from './model-dir.js';
import type { BenchPlan } from './plan.js';
import type { ProgressBar } from './progress.js';
import type { QuietMeasurer } from './quiet.js';

export interface TestImage {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly lesions: number;
  readonly seed: number;
}

/** What every experiment gets: the plan, the model, the progress bar, and shared inputs made once. */
export interface BenchContext {
  readonly plan: BenchPlan;
  readonly model: ModelDir;
  readonly machine: MachineInfo;
  readonly progress: ProgressBar;
  /** Measures a window again when other processes disturbed it. */
  readonly quiet: QuietMeasurer;
  /** Notes for the report (a failure, a skipped part). */
  note(text: string): void;
  /** The generated 12 MP photo (makeWidefieldPhoto), made on first use. */
  photo(): Promise<TestImage>;
  /** A 256 x 256 JPEG patch with one lesion: what a /v1/classify client uploads. */
  patch(): Promise<TestImage>;
  /** The gRPC load generator: h2load with its request, made on first use; undefined without h2load (the Node load tool then). */
  loadClient(): Promise<H2loadClient | undefined>;
}

export function imageMaker(options: { width: number; height: number; lesions: number; seed: number; minDiameter?: number; maxDiameter?: number; backgroundShare?: number }): () => Promise<TestImage> {
  let made: Promise<TestImage> | undefined;
  return () =>
    (made ??= makeWidefieldPhoto(options).then((photo) => ({ bytes: photo.image, width: photo.width, height: photo.height, lesions: photo.lesions.length, seed: options.seed })));
}

/** The patch: one lesion filling a good part of a small skin image, no background. */
export const PATCH_OPTIONS = { width: 256, height: 256, lesions: 1, seed: 7, minDiameter: 40, maxDiameter: 50, backgroundShare: 0 } as const;
