import { CentreFinder, type BlobCentre } from '../domain/blob-centres.js';
import { bandChanges, layOutBand, levelPlan, type BandChanges, type BlobField, type LevelPlan } from '../domain/blob-field.js';
import type { FramedGrey } from '../domain/blob-frame.js';
import type { BlobParams } from '../domain/blob-params.js';
import { RegionLabeller } from '../domain/blob-regions.js';

/**
 * The work of one detection shared between threads, in three steps, each over memory all of
 * them share. Within a step, every thread takes the next piece of work from a shared counter
 * until none is left, so a thread the machine starves of CPU time simply does less of it:
 * 1. chunks of rows: list the rows' level changes (the calling thread frames the grey image
 *    chunk by chunk first, and a thread takes only chunks already framed);
 * 2. the same chunks: write the rows' runs of every cut to label, at places planned from the
 *    chunks' counts, so that no chunk waits for another;
 * 3. cuts, costliest first: label one, follow its borders and measure its contours.
 * Jobs are plain data (SharedArrayBuffers are shared, not copied, by postMessage), so the same
 * functions serve the calling thread and the workers.
 */

/** Slots of SharedDetection.counters. */
export const NEXT_CHUNK = 0;
export const FRAMED_CHUNKS = 1;
export const NEXT_LAYOUT = 2;
export const NEXT_CUT = 3;
export const COUNTERS = 4;

/** The shared memory of one detection. */
export interface SharedDetection {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  /** Distinct cuts, ascending. */
  readonly cuts: readonly number[];
  /** The framed grey image (blob-frame.ts). */
  readonly framed: SharedArrayBuffer;
  /** Uint16 per row: the level of its first pixel. */
  readonly rowFirstLevel: SharedArrayBuffer;
  /** Chunk k is rows [k * chunkRows, min((k + 1) * chunkRows, height)). */
  readonly chunkRows: number;
  readonly chunks: number;
  /** Int32: chunk k's changes from element k * chunkRows * width on, room for one per pixel. */
  readonly changes: SharedArrayBuffer;
  /** Int32: chunk k's rows + 1 change offsets from element y0 + k on. */
  readonly changeRowStart: SharedArrayBuffer;
  /** Int32, chunks x cuts: changes of chunk k crossing cut j at k * cuts + j. */
  readonly crossings: SharedArrayBuffer;
  /** Uint8, chunks x (cuts + 1): whether chunk k has a pixel of level l at k * (cuts + 1) + l. */
  readonly occupied: SharedArrayBuffer;
  /** Int32 x COUNTERS: the next piece of work of each step, and how many chunks are framed. */
  readonly counters: SharedArrayBuffer;
}

/** Every chunk's runs of the laid-out cuts (BlobField's runX and rowStart). */
export interface SharedRuns {
  /** Int32. */
  readonly runX: SharedArrayBuffer;
  /** Int32: cuts x (height + 1). */
  readonly rowStart: SharedArrayBuffer;
}

export interface ChunksJob {
  readonly kind: 'chunks';
  readonly detection: SharedDetection;
}

export interface LayoutJob {
  readonly kind: 'layout';
  readonly detection: SharedDetection;
  /** Cut indices whose runs to write. */
  readonly laidOut: readonly number[];
  /** The detection's RunLayout (blob-field.ts): each chunk's offsets, chunks x cuts, and the steps. */
  readonly write: Int32Array;
  readonly step: Int32Array;
  readonly runs: SharedRuns;
}

export interface CutsJob {
  readonly kind: 'cuts';
  readonly detection: SharedDetection;
  readonly runs: SharedRuns;
  /** Every laid-out cut index, costliest first: the order the threads take them in. */
  readonly order: readonly number[];
  readonly params: BlobParams;
}

export interface StepDone {
  readonly kind: 'chunks' | 'layout';
}

/** The centres of the cuts one thread took: `counts[i]` centres of cut `cutIndices[i]`, CENTRE_FIELDS numbers each. */
export interface CutsDone {
  readonly kind: 'cuts';
  readonly cutIndices: Int32Array;
  readonly counts: Int32Array;
  readonly centres: Float64Array;
}

export interface JobFailed {
  readonly kind: 'failed';
  readonly message: string;
  readonly stack?: string;
}

export type Job = ChunksJob | LayoutJob | CutsJob;
export type JobResult = StepDone | CutsDone | JobFailed;

/** x, y, radius, confidence, area. */
export const CENTRE_FIELDS = 5;

export function framedOf(d: SharedDetection): FramedGrey {
  return { width: d.width, height: d.height, stride: d.stride, data: new Uint8Array(d.framed) };
}

export function chunkRange(d: SharedDetection, k: number): { y0: number; y1: number } {
  return { y0: k * d.chunkRows, y1: Math.min((k + 1) * d.chunkRows, d.height) };
}

/** Chunk k's listed changes as blob-field reads them. */
export function chunkChanges(d: SharedDetection, k: number): BandChanges {
  const { y0, y1 } = chunkRange(d, k);
  const cutCount = d.cuts.length;
  return {
    y0,
    y1,
    rowStart: new Int32Array(d.changeRowStart, (y0 + k) * Int32Array.BYTES_PER_ELEMENT, y1 - y0 + 1),
    changes: new Int32Array(d.changes, y0 * d.width * Int32Array.BYTES_PER_ELEMENT, (y1 - y0) * d.width),
    crossings: new Int32Array(d.crossings, k * cutCount * Int32Array.BYTES_PER_ELEMENT, cutCount),
    occupied: new Uint8Array(d.occupied, k * (cutCount + 1), cutCount + 1),
  };
}

/** The next piece of work of a step, or -1 when all are taken. */
function take(counters: Int32Array, slot: number, count: number): number {
  const next = Atomics.add(counters, slot, 1);
  return next < count ? next : -1;
}

function noGrowth(): Int32Array {
  throw new Error('a chunk has more level changes than pixels');
}

/** Step 1: lists the changes of chunks until none is left, each once it is framed. */
export function listChunks(d: SharedDetection): void {
  const counters = new Int32Array(d.counters);
  const frame = framedOf(d);
  const plan = levelPlan(d.cuts, d.width);
  const rowFirstLevel = new Uint16Array(d.rowFirstLevel);
  for (let k = take(counters, NEXT_CHUNK, d.chunks); k >= 0; k = take(counters, NEXT_CHUNK, d.chunks)) {
    for (let framed = Atomics.load(counters, FRAMED_CHUNKS); framed <= k; framed = Atomics.load(counters, FRAMED_CHUNKS)) {
      Atomics.wait(counters, FRAMED_CHUNKS, framed);
    }
    const slot = chunkChanges(d, k);
    const listed = bandChanges(frame, plan, slot.y0, slot.y1, rowFirstLevel, slot.rowStart, slot.changes, noGrowth);
    slot.crossings.set(listed.crossings);
    slot.occupied.set(listed.occupied);
  }
}

/** Step 2: writes the runs of chunks until none is left. */
export function layOutChunks(job: LayoutJob): void {
  const d = job.detection;
  const counters = new Int32Array(d.counters);
  const plan: LevelPlan = levelPlan(d.cuts, d.width);
  const rowFirstLevel = new Uint16Array(d.rowFirstLevel);
  const runX = new Int32Array(job.runs.runX);
  const rowStart = new Int32Array(job.runs.rowStart);
  const cutCount = d.cuts.length;
  for (let k = take(counters, NEXT_LAYOUT, d.chunks); k >= 0; k = take(counters, NEXT_LAYOUT, d.chunks)) {
    const write = job.write.slice(k * cutCount, (k + 1) * cutCount);
    layOutBand(chunkChanges(d, k), plan, d.width, d.height, rowFirstLevel, job.laidOut, write, job.step, runX, rowStart);
  }
}

/** Step 3: finds the centres of cuts until none is left; returns those this thread took. */
export function findCutsInTurn(job: CutsJob): Map<number, BlobCentre[]> {
  const d = job.detection;
  const counters = new Int32Array(d.counters);
  const field: BlobField = {
    width: d.width,
    height: d.height,
    frame: framedOf(d),
    cuts: d.cuts,
    rowFirstLevel: new Uint16Array(d.rowFirstLevel),
    runX: new Int32Array(job.runs.runX),
    rowStart: new Int32Array(job.runs.rowStart),
    laidOut: job.order,
  };
  const finder = new CentreFinder(field, new RegionLabeller(field), job.params);
  const centres = new Map<number, BlobCentre[]>();
  for (let i = take(counters, NEXT_CUT, job.order.length); i >= 0; i = take(counters, NEXT_CUT, job.order.length)) {
    const j = job.order[i]!;
    centres.set(j, finder.find(j));
  }
  return centres;
}

/** findCutsInTurn's centres packed into transferable arrays. */
export function packCentres(found: ReadonlyMap<number, readonly BlobCentre[]>): CutsDone {
  const cutIndices = Int32Array.from(found.keys());
  const counts = new Int32Array(cutIndices.length);
  let total = 0;
  cutIndices.forEach((j, i) => (total += counts[i] = found.get(j)!.length));
  const centres = new Float64Array(total * CENTRE_FIELDS);
  let k = 0;
  for (const list of found.values()) {
    for (const c of list) {
      centres[k++] = c.x;
      centres[k++] = c.y;
      centres[k++] = c.radius;
      centres[k++] = c.confidence;
      centres[k++] = c.area;
    }
  }
  return { kind: 'cuts', cutIndices, counts, centres };
}

/** The centres of a CutsDone, by cut index, added to `into`. */
export function unpackCentres(done: CutsDone, into: Map<number, BlobCentre[]>): void {
  const c = done.centres;
  let k = 0;
  done.cutIndices.forEach((j, i) => {
    const centres: BlobCentre[] = [];
    for (let n = 0; n < done.counts[i]!; n++, k += CENTRE_FIELDS) {
      centres.push({ x: c[k]!, y: c[k + 1]!, radius: c[k + 2]!, confidence: c[k + 3]!, area: c[k + 4]! });
    }
    into.set(j, centres);
  });
}

/** A worker's answer to a job. */
export function runJob(job: Job): StepDone | CutsDone {
  switch (job.kind) {
    case 'chunks':
      listChunks(job.detection);
      return { kind: 'chunks' };
    case 'layout':
      layOutChunks(job);
      return { kind: 'layout' };
    case 'cuts':
      return packCentres(findCutsInTurn(job));
  }
}
