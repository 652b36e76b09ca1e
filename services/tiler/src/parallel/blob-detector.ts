import { Worker } from 'node:worker_threads';
import { workerScript } from '@skinlesion/worker-script';
import type { BlobCentre } from '../domain/blob-centres.js';
import { combineBands, cutsToFind, groupCentres, identicalBinaries, planDetection } from '../domain/blob-detection.js';
import { planRunLayout } from '../domain/blob-field.js';
import { framedLength, framedStride, frameRows } from '../domain/blob-frame.js';
import { callingThreadBlobDetector, detectBlobs, type Blob, type BlobDetector, type BlobParams } from '../domain/blobs.js';
import type { GreyImage } from '../domain/image.js';
import {
  chunkChanges,
  chunkRange,
  COUNTERS,
  findCutsInTurn,
  FRAMED_CHUNKS,
  layOutChunks,
  listChunks,
  NEXT_CHUNK,
  unpackCentres,
  type CutsDone,
  type Job,
  type JobResult,
  type SharedDetection,
  type SharedRuns,
  type StepDone,
} from './blob-jobs.js';

export interface BlobDetectorOptions {
  /**
   * Threads one detection runs on, the calling thread included (default 2). 1 is detectBlobs
   * on the calling thread, with no worker.
   */
  readonly threads?: number;
  /** Told when a worker fails; from then on detections run on the calling thread alone. */
  readonly onWorkerFailure?: (error: Error) => void;
}

export const DEFAULT_BLOB_THREADS = 2;
/** A bound that catches mistaken settings: threads beyond the machine's cores only take turns. */
export const MAX_BLOB_THREADS = 16;

/**
 * A blob detector whose detections run on the calling thread and `threads - 1` persistent
 * worker threads, with results equal to detectBlobs', order included. The steps of blob-jobs.ts
 * (chunks of rows, then cuts, costliest first) are shared out dynamically: each thread takes the
 * next piece from a shared counter, so that a thread that gets less CPU time (other processes
 * share the cores) does less of the work instead of holding the others up with a fixed share.
 * The calling thread frames the image, chunk by chunk, while the workers start listing, and
 * groups all centres in threshold order at the end.
 *
 * A detection holds the shared memory from start to end, so detections through one detector
 * take turns (FIFO); while one waits, the calling thread is free for other work.
 */
export async function createBlobDetector(options: BlobDetectorOptions = {}): Promise<BlobDetector> {
  const threads = options.threads ?? DEFAULT_BLOB_THREADS;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_BLOB_THREADS) {
    throw new RangeError(`blob detection threads must be an integer in 1..${MAX_BLOB_THREADS}, got ${threads}`);
  }
  if (threads === 1) return callingThreadBlobDetector();
  const script = await workerScript(import.meta.url, 'blob-worker');
  try {
    const started = await Promise.allSettled(Array.from({ length: threads - 1 }, () => WorkerLink.start(script.url)));
    const links = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(links.map((link) => link.terminate()));
      throw new Error('could not start the blob detection workers', { cause: failed.reason });
    }
    return new ThreadedBlobDetector(threads, links, options.onWorkerFailure);
  } finally {
    await script.release();
  }
}

/** One worker thread running one job at a time. */
class WorkerLink {
  private pending: { resolve: (result: JobResult) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: JobResult) => {
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(message);
    });
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`blob worker exited with code ${code}`)));
  }

  static start(url: URL): Promise<WorkerLink> {
    const link = new WorkerLink(new Worker(url));
    // The worker's first message says it has loaded its modules.
    return link.receive().then(() => {
      link.worker.unref();
      return link;
    });
  }

  run(job: Job): Promise<JobResult> {
    const result = this.receive();
    this.worker.postMessage(job);
    return result;
  }

  /** Keeps the process alive while a detection waits for this worker. */
  hold(held: boolean): void {
    if (held) this.worker.ref();
    else this.worker.unref();
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('blob worker terminated');
    await this.worker.terminate();
  }

  private receive(): Promise<JobResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** Shared working memory, grown to the largest image seen and kept; only pages a detection touches become resident. */
interface SharedMemory {
  framed: SharedArrayBuffer;
  rowFirstLevel: SharedArrayBuffer;
  /** Room for a change at every pixel: chunks never grow it, whatever the image. */
  changes: SharedArrayBuffer;
  changeRowStart: SharedArrayBuffer;
  crossings: SharedArrayBuffer;
  occupied: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  runX: SharedArrayBuffer;
  cutRowStart: SharedArrayBuffer;
}

/** Rows per chunk: enough chunks for the threads to even out, few enough to cost nothing. */
const MIN_CHUNK_ROWS = 32;
const MAX_CHUNKS = 64;

/**
 * `buffer` when it holds `bytes`, else a new one sized by half again (so that sizes settle), in
 * whole 8-byte words so that any typed array can view all of it.
 */
function atLeast(buffer: SharedArrayBuffer, bytes: number): SharedArrayBuffer {
  return buffer.byteLength >= bytes ? buffer : new SharedArrayBuffer(Math.ceil((bytes * 1.5) / 8) * 8);
}

class ThreadedBlobDetector implements BlobDetector {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private workersFailed = false;
  private readonly memory: SharedMemory;

  constructor(
    readonly threads: number,
    private readonly links: readonly WorkerLink[],
    private readonly onWorkerFailure: ((error: Error) => void) | undefined,
  ) {
    const empty = new SharedArrayBuffer(0);
    this.memory = {
      framed: empty,
      rowFirstLevel: empty,
      changes: empty,
      changeRowStart: empty,
      crossings: empty,
      occupied: empty,
      counters: new SharedArrayBuffer(COUNTERS * Int32Array.BYTES_PER_ELEMENT),
      runX: empty,
      cutRowStart: empty,
    };
  }

  detect(image: GreyImage, params: BlobParams): Promise<Blob[]> {
    if (this.closed) return Promise.reject(new Error('blob detector is closed'));
    const turn = this.queue.then(() => this.detectInTurn(image, params));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await Promise.all(this.links.map((link) => link.terminate()));
  }

  private async detectInTurn(image: GreyImage, params: BlobParams): Promise<Blob[]> {
    if (this.workersFailed) return detectBlobs(image, params);
    for (const link of this.links) link.hold(true);
    try {
      return await this.detectShared(image, params);
    } catch (error) {
      if (!(error instanceof WorkerFailure)) throw error;
      this.workersFailed = true;
      this.onWorkerFailure?.(error.cause);
      await Promise.all(this.links.map((link) => link.terminate().catch(() => undefined)));
      return detectBlobs(image, params);
    } finally {
      for (const link of this.links) link.hold(false);
    }
  }

  private async detectShared(image: GreyImage, params: BlobParams): Promise<Blob[]> {
    const { width, height } = image;
    const plan = planDetection(width, height, image.data.length, params);
    const cutCount = plan.levels.cuts.length;
    const d = this.reserve(width, height, plan.levels.cuts);
    const counters = new Int32Array(d.counters);
    counters.fill(0);

    // Every job asked is awaited before returning, even on an error, so that no late answer
    // reaches a later detection.
    const outstanding: Promise<unknown>[] = [];
    const askAll = <T extends JobResult>(job: Job): Promise<T[]> => {
      const answers = Promise.all(this.links.map((_, i) => this.ask<T>(i, job)));
      outstanding.push(answers);
      return answers;
    };
    try {
      // Step 1: workers list chunks as soon as they are framed, and this thread joins them.
      const listing = askAll<StepDone>({ kind: 'chunks', detection: d });
      const framed = new Uint8Array(d.framed);
      try {
        for (let k = 0; k < d.chunks; k++) {
          const { y0, y1 } = chunkRange(d, k);
          frameRows(image, framed, y0, y1);
          Atomics.store(counters, FRAMED_CHUNKS, k + 1);
          Atomics.notify(counters, FRAMED_CHUNKS);
        }
      } finally {
        // Should framing fail, workers waiting for a chunk must not wait forever: they finish
        // on whatever the chunk holds and take no more, and the detection fails here.
        if (Atomics.load(counters, FRAMED_CHUNKS) < d.chunks) {
          Atomics.store(counters, NEXT_CHUNK, d.chunks);
          Atomics.store(counters, FRAMED_CHUNKS, d.chunks);
          Atomics.notify(counters, FRAMED_CHUNKS);
        }
      }
      listChunks(d);
      await listing;

      // Step 2.
      const chunks = Array.from({ length: d.chunks }, (_, k) => chunkChanges(d, k));
      const { crossings, occupied } = combineBands(chunks);
      const binaryOf = identicalBinaries(occupied);
      const wanted = cutsToFind(plan, binaryOf);
      const layout = planRunLayout(chunks, cutCount, wanted);
      const runs = this.reserveRuns(layout.total + d.chunks, cutCount * (height + 1));
      const write = new Int32Array(d.chunks * cutCount);
      layout.write.forEach((offsets, k) => write.set(offsets, k * cutCount));
      const layoutJob = { kind: 'layout', detection: d, laidOut: wanted, write, step: layout.step, runs } as const;
      const laying = askAll<StepDone>(layoutJob);
      layOutChunks(layoutJob);
      await laying;

      // Step 3.
      const cutsJob = { kind: 'cuts', detection: d, runs, order: costliestFirst(wanted, crossings, height), params: plan.params } as const;
      const finding = askAll<CutsDone>(cutsJob);
      const centres: Map<number, BlobCentre[]> = findCutsInTurn(cutsJob);
      for (const done of await finding) unpackCentres(done, centres);
      return groupCentres(plan, binaryOf, centres);
    } finally {
      await Promise.allSettled(outstanding);
    }
  }

  private async ask<T extends JobResult>(worker: number, job: Job): Promise<T> {
    let result: JobResult;
    try {
      result = await this.links[worker]!.run(job);
    } catch (error) {
      throw new WorkerFailure(error instanceof Error ? error : new Error(String(error)));
    }
    if (result.kind === 'failed') {
      // The job itself threw: the same input would throw on this thread too.
      const error = new Error(result.message);
      if (result.stack !== undefined) error.stack = result.stack;
      throw error;
    }
    if (result.kind !== job.kind) throw new WorkerFailure(new Error(`blob worker answered a ${job.kind} job with ${result.kind}`));
    return result as T;
  }

  private reserve(width: number, height: number, cuts: readonly number[]): SharedDetection {
    const m = this.memory;
    const chunkRows = Math.max(MIN_CHUNK_ROWS, Math.ceil(height / MAX_CHUNKS));
    const chunks = Math.ceil(height / chunkRows);
    const int32 = Int32Array.BYTES_PER_ELEMENT;
    m.framed = atLeast(m.framed, framedLength(width, height));
    m.rowFirstLevel = atLeast(m.rowFirstLevel, height * Uint16Array.BYTES_PER_ELEMENT);
    m.changes = atLeast(m.changes, width * height * int32);
    m.changeRowStart = atLeast(m.changeRowStart, (height + chunks) * int32);
    m.crossings = atLeast(m.crossings, chunks * cuts.length * int32);
    m.occupied = atLeast(m.occupied, chunks * (cuts.length + 1));
    return {
      width,
      height,
      stride: framedStride(width),
      cuts,
      framed: m.framed,
      rowFirstLevel: m.rowFirstLevel,
      chunkRows,
      chunks,
      changes: m.changes,
      changeRowStart: m.changeRowStart,
      crossings: m.crossings,
      occupied: m.occupied,
      counters: m.counters,
    };
  }

  private reserveRuns(entries: number, rows: number): SharedRuns {
    const m = this.memory;
    m.runX = atLeast(m.runX, entries * Int32Array.BYTES_PER_ELEMENT);
    m.cutRowStart = atLeast(m.cutRowStart, rows * Int32Array.BYTES_PER_ELEMENT);
    return { runX: m.runX, rowStart: m.cutRowStart };
  }
}

/** A worker that died or misbehaved, as opposed to a job that failed on its input. */
class WorkerFailure extends Error {
  constructor(override readonly cause: Error) {
    super(`blob worker failed: ${cause.message}`, { cause });
  }
}

/**
 * The order threads take cuts in: costliest first (each costs about its runs, crossings + one
 * per row), so that the last cuts taken, which decide when the slowest thread ends, are short.
 */
export function costliestFirst(cutIndices: readonly number[], crossings: Int32Array, height: number): number[] {
  const cost = (j: number): number => crossings[j]! + height;
  return [...cutIndices].sort((a, b) => cost(b) - cost(a) || a - b);
}
