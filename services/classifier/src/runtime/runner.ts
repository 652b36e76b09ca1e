import type { Manifest } from '@skinlesion/model-manifest';

export const RUNTIME_CHOICES = ['auto', 'onnx', 'tfjs'] as const;
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];
export type RuntimeName = 'onnxruntime' | 'tfjs';

export interface BatchOutputs {
  /** [count, 6], row-major. */
  readonly probabilities: Float32Array;
  /** [count, embeddingSize], row-major (the named activation flattened per crop). */
  readonly embedding: Float32Array;
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
   * Runs `count` crops given as NHWC float32 in the model's channel order and scale. The input
   * may be reused by the caller once the promise settles.
   */
  run(input: Float32Array, count: number): Promise<BatchOutputs>;
  /** Releases the model; calling it again does nothing. */
  dispose(): Promise<void>;
}
