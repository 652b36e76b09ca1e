import { Worker, type Transferable } from 'node:worker_threads';
import { UnavailableError } from '@skinlesion/errors';
import type { Manifest } from '@skinlesion/model-manifest';
import type { BatchResult, ModelRunner, RuntimeName } from './runner.js';
import type { FromWorker, ToWorker, WorkerError, WorkerModelInfo } from './worker-protocol.js';

/** How long dispose() lets the worker release its model and end, once its batches are done, before terminating it, in ms. */
const DEFAULT_RELEASE_TIMEOUT_MS = 5000;

export interface WorkerRunnerOptions {
  /** The worker program (see @skinlesion/worker-script); it speaks worker-protocol.ts. */
  readonly script: URL;
  readonly workerData: unknown;
  /** Buffers of workerData to move rather than copy (the model's bytes). */
  readonly transferList?: readonly Transferable[];
  /** Shown as the thread's name in inspectors and heap snapshots. */
  readonly name: string;
  readonly manifest: Manifest;
  readonly runtime: RuntimeName;
  readonly backend: string;
  readonly platform: string;
  /** Checks the loaded model's inputs and outputs; what it throws refuses the model (the worker ends). */
  readonly checkModel?: (model: WorkerModelInfo) => void;
  /** How long dispose() lets the worker release its model and end, once its batches are done, before terminating it, in ms. */
  readonly releaseTimeoutMs?: number;
}

/** A worker's error as an Error of this thread, named and with the worker's stack. */
function fromWorker(error: WorkerError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}

/** The input's memory as an ArrayBuffer of its own, to transfer: the array's when it owns all of it. */
function ownBuffer(input: Float32Array, count: number, perCrop: number): ArrayBuffer {
  const { buffer } = input;
  if (buffer instanceof ArrayBuffer && input.byteOffset === 0 && input.byteLength === buffer.byteLength) return buffer;
  return input.slice(0, count * perCrop).buffer;
}

interface PendingRun {
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A model runner whose model lives in a worker thread: run() moves the batch's input there and
 * its outputs back (transfers, no copies), so the calling thread's event loop stays free while
 * the model computes. Batches run one at a time in the order given; a batch given while another
 * runs waits in the worker, ready. If the thread dies, every batch waiting for it fails with
 * UNAVAILABLE at once, later ones are refused, and `lost` settles with the reason.
 */
class WorkerRunner implements ModelRunner {
  readonly lost: Promise<Error>;
  private readonly pending = new Map<number, PendingRun>();
  /** Called once no batch is pending. */
  private idleWaiters: (() => void)[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private releasing = false;
  private released: Promise<void> | undefined;
  private markLost!: (reason: Error) => void;
  private readonly perCrop: number;

  constructor(
    private readonly worker: Worker,
    private readonly options: WorkerRunnerOptions,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    this.perCrop = options.manifest.inputSize * options.manifest.inputSize * 3;
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => this.lose(new UnavailableError(`the inference thread crashed: ${error.message}`, {}, { cause: error })));
    worker.on('messageerror', (error) => this.lose(new UnavailableError(`the inference thread sent a message that could not be read: ${error.message}`, {}, { cause: error })));
    worker.on('exit', (code) => {
      const reason = new UnavailableError(`the inference thread stopped (exit code ${code})`);
      // Ending is expected once released; batches still waiting fail all the same.
      if (this.releasing) this.rejectAll(reason);
      else this.lose(reason);
    });
    // An idle worker does not keep the process alive; one with batches to run does.
    worker.unref();
  }

  get manifest(): Manifest {
    return this.options.manifest;
  }

  get runtime(): RuntimeName {
    return this.options.runtime;
  }

  get backend(): string {
    return this.options.backend;
  }

  get platform(): string {
    return this.options.platform;
  }

  run(input: Float32Array, count: number): Promise<BatchResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.releasing) return Promise.reject(new UnavailableError('the model has been released'));
    const buffer = ownBuffer(input, count, this.perCrop);
    const id = this.nextId++;
    return new Promise<BatchResult>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'run', id, count, input: buffer }, [buffer]);
    });
  }

  dispose(): Promise<void> {
    this.released ??= this.release();
    return this.released;
  }

  private async release(): Promise<void> {
    this.releasing = true;
    // Batches already given finish first (or fail, if the thread dies meanwhile).
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.failure === undefined) {
      const { promise, resolve } = withResolvers();
      const timer = setTimeout(resolve, this.options.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS);
      this.worker.once('exit', resolve);
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'released') resolve();
      });
      this.worker.ref();
      this.send({ type: 'release' });
      await promise;
      clearTimeout(timer);
    }
    await this.worker.terminate();
    this.rejectAll(new UnavailableError('the model has been released'));
  }

  private send(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(message: FromWorker): void {
    if (message.type !== 'done' && message.type !== 'failed') return;
    const run = this.pending.get(message.id);
    if (run === undefined) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.idle();
    if (message.type === 'failed') {
      run.reject(fromWorker(message.error));
      return;
    }
    const [probabilities, embedding] = message.outputs;
    if (probabilities === undefined || embedding === undefined) {
      run.reject(new Error(`the inference thread returned ${message.outputs.length} outputs, not 2`));
      return;
    }
    run.resolve({ probabilities, embedding, input: new Float32Array(message.input) });
  }

  private lose(reason: Error): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.rejectAll(reason);
    this.markLost(reason);
  }

  private rejectAll(reason: Error): void {
    for (const run of this.pending.values()) run.reject(reason);
    this.pending.clear();
    this.idle();
  }

  private idle(): void {
    this.worker.unref();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * Starts the worker program and waits until it has loaded its model and the model passed
 * `checkModel`. Rejects with the worker's own error when loading fails, and when the thread dies
 * or the model is refused; the thread is gone by then.
 */
export async function startWorkerRunner(options: WorkerRunnerOptions): Promise<ModelRunner> {
  const worker = new Worker(options.script, {
    workerData: options.workerData,
    transferList: [...(options.transferList ?? [])],
    name: options.name,
  });
  let settle: { resolve: (model: WorkerModelInfo) => void; reject: (error: Error) => void } | undefined;
  const onMessage = (message: FromWorker) => {
    if (message.type === 'ready') settle?.resolve(message.model);
    else if (message.type === 'load-failed') settle?.reject(fromWorker(message.error));
  };
  const onError = (error: Error) => settle?.reject(new Error(`the inference thread crashed while loading the model: ${error.message}`, { cause: error }));
  const onExit = (code: number) => settle?.reject(new Error(`the inference thread stopped (exit code ${code}) while loading the model`));
  worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  try {
    const model = await new Promise<WorkerModelInfo>((resolve, reject) => (settle = { resolve, reject }));
    options.checkModel?.(model);
  } catch (error) {
    await worker.terminate();
    throw error;
  } finally {
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
  }
  return new WorkerRunner(worker, options);
}
