/**
 * Messages between a replica's event loop and its inference worker thread. Types only: the
 * worker programs import nothing else of this package (see onnx-worker.ts).
 *
 * Memory moves, it is not copied: a batch's input ArrayBuffer is transferred to the worker and
 * back with the outputs, whose ArrayBuffers are transferred too.
 */

/** An error as it crosses the thread boundary (structured clone keeps no class or cause). */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** One input of the loaded model, as the runtime describes it; dimensions are numbers or symbolic names. */
export interface WorkerInputInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly shape?: readonly (number | string)[];
}

/** What the worker's model reads and writes, for the event loop to check against the manifest. */
export interface WorkerModelInfo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly WorkerInputInfo[];
}

export type ToWorker =
  /** Runs the first `count` crops of `input` (NHWC float32, transferred). */
  | { readonly type: 'run'; readonly id: number; readonly count: number; readonly input: ArrayBuffer }
  /** Releases the model after the runs sent before, answers 'released' and ends the thread. */
  | { readonly type: 'release' };

export type FromWorker =
  | { readonly type: 'ready'; readonly model: WorkerModelInfo }
  | { readonly type: 'load-failed'; readonly error: WorkerError }
  /** `outputs` in the order the worker was told (probabilities, embedding); `input` handed back. */
  | { readonly type: 'done'; readonly id: number; readonly input: ArrayBuffer; readonly outputs: readonly Float32Array[] }
  | { readonly type: 'failed'; readonly id: number; readonly input: ArrayBuffer; readonly error: WorkerError }
  | { readonly type: 'released' };

/** workerData of the ONNX Runtime worker (onnx-worker.ts). */
export interface OnnxWorkerData {
  /** file: URL of onnxruntime-node's entry, resolved by the event loop's module (see onnx-worker.ts). */
  readonly ortUrl: string;
  /** The .onnx file's bytes (transferred). */
  readonly model: Uint8Array;
  /** InferenceSession.SessionOptions: plain data. */
  readonly sessionOptions: Readonly<Record<string, unknown>>;
  readonly inputName: string;
  /** Outputs to fetch, in the order 'done' returns them. */
  readonly outputNames: readonly string[];
  /** Side S of the [N, S, S, 3] input. */
  readonly inputSize: number;
}
