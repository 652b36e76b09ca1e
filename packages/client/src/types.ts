/*
 * The REST API's payloads, as its OpenAPI document (GET /openapi.json) describes them.
 */

export const CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
export type Probabilities = Record<ClassName, number>;
export type Risk = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Model {
  name: string;
  version: string;
}

export interface Photo {
  width: number;
  height: number;
  /** Variance of the Laplacian of the grey image. */
  blurScore: number;
  /** floor(sqrt(H * W) / 1000): below it the photo is blurred. */
  blurThreshold: number;
  blurred: boolean;
  skinFraction: number;
  adjustment: 'none' | 'stretch_and_clahe' | 'clahe' | 'unspecified';
  candidates: number;
  truncated: boolean;
  timingsMs?: Record<string, number>;
}

export interface Lesion {
  /** p<photo>-l<index>. */
  id: string;
  /** Index of the photo in upload order. */
  photo: number;
  x: number;
  y: number;
  diameter: number;
  /** [x0, y0, x1, y1], photo pixels. */
  box: [number, number, number, number];
  modelClass: ClassName;
  class: ClassName;
  probabilities: Probabilities;
  centreBlobShare: number;
  /** 0..1, 1 = oddest; null when not ranked or not pigmented. */
  udScore: number | null;
  /** 1 = oddest; null when not ranked or not pigmented. */
  udRank: number | null;
}

export interface Analysis {
  model: Model;
  correction: boolean;
  photos: Photo[];
  lesions: Lesion[];
  uglyDuckling: { ranked: boolean; reason?: string; lesions: number };
  counts: Record<ClassName, number>;
  risk: Risk;
  timingsMs: { tile: number; classify: number; uglyDuckling: number; total: number };
}

export interface ClassifyReport {
  model: Model;
  results: Array<{ probabilities: Probabilities; class: ClassName }>;
}

export type PictureKind = 'boxes' | 'heatmap' | 'montage';

export interface Readiness {
  status: 'ready';
  checks: Array<{ service: string; target: string; status: string }>;
}

/** An RFC 9457 problem; `type` is https://skinlesion.dev/problems/<kind>. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  limit?: string;
  max?: number;
  photo?: number;
  [extension: string]: unknown;
}

// ---- TensorFlow Serving predict ------------------------------------------------------------

/** [height][width][3] numbers (0..1, or 0..255 when any value exceeds 1), or an encoded image. */
export type PredictImage = number[][][] | { b64: string };

export type PredictRequest =
  | { signature_name?: 'serving_default'; instances: Array<PredictImage | Record<string, PredictImage>> }
  | { signature_name?: 'serving_default'; inputs: PredictImage[] | Record<string, PredictImage[]> };

export interface PredictResponse {
  /** Row format: the six probabilities per image. */
  predictions?: number[][];
  /** Columnar format. */
  outputs?: number[][];
}

// ---- Open Inference Protocol -------------------------------------------------------------------

export type Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';
export type Parameters = Record<string, boolean | number | string>;

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  /** -1 marks a variable dimension. */
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface InferInput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  /** Row-major values, flat or nested; omit it to send the tensor as binary data instead. */
  data?: unknown[];
}

export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: InferInput[];
  outputs?: Array<{ name: string; parameters?: Parameters }>;
}

export interface InferOutput {
  name: string;
  shape: number[];
  datatype: Datatype;
  parameters?: Parameters;
  /** JSON values, flat and row-major. */
  data?: Array<number | boolean | string>;
  /** The output's little-endian bytes, when it was sent as binary data. */
  binary?: Uint8Array;
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Parameters;
  outputs: InferOutput[];
}
