import type { Manifest } from '@skinlesion/model-manifest';

export const RUNTIME_CHOICES = ['auto', 'onnx', 'tfjs'] as const;
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];
export type RuntimeName = 'onnxruntime' | 'tfjs';
/** Where ONNX Runtime runs batches: a worker thread of its own, or the calling thread. */
export const INFERENCE_THREADS = ['worker', 'caller'] as const;
export type InferenceThread = (typeof INFERENCE_THREADS)[number];

export interface BatchOutputs {
  /** [count, 6], row-major. */
  readonly probabilities: Float32Array;
  /** [count, embeddingSize], row-major (the named activation flattened per crop). */
  readonly embedding: Float32Array;
}

/** What a run gives back: the outputs, and the input memory, free for the next batch. */
export interface BatchResult extends BatchOutputs {
  /**
   * The memory of the input run() was given: the same array from a runner on the calling thread;
   * from a worker thread, a new array over the same memory, moved there and back (the transfer
   * leaves the array given empty until then).
   */
  readonly input: Float32Array;
}

/** A loaded model on one runtime: runs one preprocessed batch at a time. */
export interface ModelRunner {
  readonly manifest: Manifest;
  readonly runtime: RuntimeName;
  /** TF.js backend (wasm, tensorflow, cpu) or ONNX Runtime execution provider (cpu). */
  readonly backend: string;
  /** The Open Inference Protocol "platform": tensorflowjs_layers, tensorflowjs_graph or onnxruntime_onnx. */
  readonly platform: string;
  /**
   * Runs `count` crops given as NHWC float32 in the model's channel order and scale, the first
   * `count` crops of `input`. The runner holds the input until the promise settles (a worker
   * runner moves its memory to its thread); reuse `BatchResult.input` afterwards, not `input`.
   */
  run(input: Float32Array, count: number): Promise<BatchResult>;
  /**
   * Settles with the reason once the runner can run no more batches because its thread died;
   * absent when the runner shares the process's fate (it runs on the calling thread).
   */
  readonly lost?: Promise<Error>;
  /** Releases the model once the batches already given to it are done; calling it again does nothing. */
  dispose(): Promise<void>;
}
